"""Why is the piezoelectric tensor so hard to predict better than zero? Measured, not guessed.

On the piezoelectric set (frame-consistent records, as used for training): how much of the zero predictor's error the
largest tensors carry, how many Voigt components symmetry forbids, the shipped model against zero on polar and
non-polar point groups, the e33 sign of textbook wurtzites and LiNbO3, and (with --ionic N) a physics estimate for N
sampled crystals: the ionic tensor e_ion = (e / V) sum_a Z_a du_a/deta from SevenNet force constants and internal
strains (finite differences) with each element's mean isotropic Born charge from the phonon database.
Writes benchmarks/results/piezo_analysis.json.

    python benchmarks/piezo_analysis.py [--ionic 40]     # about 1 min; --ionic adds ~15 s per crystal
"""

import argparse
import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from record import git_commit
from tensor_nb.conventions import full_to_voigt
from tensor_nb.data import dataset_splits, load_task
from tensor_nb.prediction import predict
from tensor_nb.symmetry import is_polar, operations_of, symmetrize

E_PER_A2 = 16.0218
"C/m^2 per e/A^2."


def ionic_estimate(structure, born: dict, h: float = 0.01, strain: float = 0.005) -> np.ndarray:
    "e_ion (3, 3, 3) in C/m^2 from SevenNet's force constants and internal strains, isotropic Born charges `born`."
    from pymatgen.io.ase import AseAtomsAdaptor
    from sevenn.calculator import SevenNetCalculator

    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.calc = ionic_estimate.calc = getattr(ionic_estimate, "calc", None) or SevenNetCalculator(
        "7net-0", device="cpu"
    )
    n, pos0, cell0 = len(atoms), atoms.get_positions().copy(), atoms.get_cell().array.copy()
    phi = np.zeros((3 * n, 3 * n))
    for a in range(n):
        for k in range(3):
            f = []
            for s in (1, -1):
                p = pos0.copy()
                p[a, k] += s * h
                atoms.set_positions(p)
                f.append(atoms.get_forces().reshape(-1))
            phi[:, 3 * a + k] = -(f[0] - f[1]) / (2 * h)
    atoms.set_positions(pos0)
    lam = np.zeros((3 * n, 3, 3))
    for j in range(3):
        for k in range(j, 3):
            f = []
            for s in (1, -1):
                e = np.zeros((3, 3))
                e[j, k] = e[k, j] = s * strain / 2
                atoms.set_cell(cell0 @ (np.eye(3) + e), scale_atoms=True)
                f.append(atoms.get_forces().reshape(-1))
            lam[:, j, k] = lam[:, k, j] = (f[0] - f[1]) / (2 * strain)
    atoms.set_cell(cell0, scale_atoms=True)
    translations = np.eye(3 * n) - np.kron(np.ones((n, n)) / n, np.eye(3))  # acoustic modes projected out
    phi = translations @ (0.5 * (phi + phi.T)) @ translations
    du = (np.linalg.pinv(phi, rcond=1e-6) @ (translations @ lam.reshape(3 * n, 9))).reshape(n, 3, 3, 3)
    z = np.array([born.get(site.specie.symbol, 0.0) for site in structure])
    return E_PER_A2 * np.einsum("a,aljk->ljk", z - z.mean(), du) / structure.volume


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ionic", type=int, default=0, help="crystals for the SevenNet ionic estimate (0: skip)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    warnings.simplefilter("ignore")
    commit = git_commit()
    ds = load_task("piezoelectric", progress=False)
    records = ds.records
    T = np.stack([r.tensor for r in records])
    size = np.abs(T).mean((1, 2, 3))
    order = np.sort(size)[::-1]
    out = {
        "commit": commit,
        "records": len(records),
        "share_of_zero_mae": {
            f"top {p}%": float(order[: max(1, len(order) * p // 100)].sum() / order.sum()) for p in (1, 5, 10)
        },
        "largest": [
            (records[i].material_id, records[i].structure.composition.reduced_formula, float(size[i]))
            for i in np.argsort(-size)[:8]
        ],
    }
    generic = np.random.default_rng(0).normal(size=(3, 3, 3))
    generic = generic + generic.transpose(0, 2, 1)
    forbidden = [
        np.abs(full_to_voigt(symmetrize(generic, operations_of(r.structure), "piezoelectric"), "piezoelectric")) < 1e-9
        for r in records
    ]
    out["share_forbidden_components"] = float(np.mean(forbidden))
    test = set(dataset_splits(ds)["test"])
    te = [i for i, r in enumerate(records) if r.material_id in test]
    pred = predict([records[i].structure for i in te], "piezoelectric", progress=False)
    polar = np.array([is_polar(records[i].structure) for i in te])
    out["test"] = {
        name: {
            "n": int(m.sum()),
            "model": float(np.abs(pred[m] - T[te][m]).mean()),
            "zero": float(np.abs(T[te][m]).mean()),
        }
        for name, m in (("all", np.ones(len(te), bool)), ("polar", polar), ("non-polar", ~polar))
    }
    signs = {}
    for formula in ("ZnO", "AlN", "GaN", "LiNbO3"):
        for i, r in enumerate(records):
            if r.structure.composition.reduced_formula == formula and is_polar(r.structure):
                p = predict(r.structure, "piezoelectric", progress=False)
                signs[f"{formula} {r.material_id}"] = {"e33_dft": float(T[i][2, 2, 2]), "e33_model": float(p[2, 2, 2])}
    out["e33"] = signs
    if args.ionic:
        born = {}
        for r in load_task("born_charges", progress=False).records:
            for site, z in zip(r.structure, r.tensor):
                born.setdefault(site.specie.symbol, []).append(np.trace(z) / 3)
        born = {k: float(np.mean(v)) for k, v in born.items()}
        sample = sorted(range(len(records)), key=lambda i: hashlib.sha256(records[i].material_id.encode()).hexdigest())
        sample = [i for i in sample if len(records[i].structure) <= 20][: args.ionic]
        rows = []
        for i in tqdm(sample, desc="ionic estimate"):
            e = ionic_estimate(records[i].structure, born)
            cos = float((e * T[i]).sum() / (np.linalg.norm(e) * np.linalg.norm(T[i]) + 1e-12))
            rows.append(
                {
                    "id": records[i].material_id,
                    "polar": is_polar(records[i].structure),
                    "cos": cos,
                    "mae": float(np.abs(e - T[i]).mean()),
                    "zero": float(size[i]),
                    "norm_estimate": float(np.linalg.norm(e)),
                    "norm_dft": float(np.linalg.norm(T[i])),
                }
            )
        big = [r for r in rows if r["norm_estimate"] > 0.05 and r["norm_dft"] > 0.05]
        out["ionic"] = {
            "n": len(rows),
            "mae": float(np.mean([r["mae"] for r in rows])),
            "zero": float(np.mean([r["zero"] for r in rows])),
            "norm_correlation": float(
                np.corrcoef([r["norm_estimate"] for r in rows], [r["norm_dft"] for r in rows])[0, 1]
            ),
            "median_cos_polar": float(np.median([r["cos"] for r in big if r["polar"]])),
            "median_cos_nonpolar": float(np.median([r["cos"] for r in big if not r["polar"]])),
            "rows": rows,
        }
    path = Path(__file__).parent / "results" / "piezo_analysis.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k not in ("ionic",)}, indent=1))
    if "ionic" in out:
        print(json.dumps({k: v for k, v in out["ionic"].items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    main()
