"""Why is the piezoelectric tensor so hard to predict better than zero? Measured, not guessed.

On the piezoelectric set (frame-consistent records, as used for training): how much of the zero predictor's error the
largest tensors carry, how many Voigt components symmetry forbids, the shipped model against zero on polar and
non-polar point groups and the e33 sign of textbook wurtzites and LiNbO3 (the physics estimate of the ionic tensor
is `benchmarks/ionic_response.py`). Two tests of the labels' signs: the response along the cation->anion bond of
every wurtzite and zincblende AB compound (physics gives the same sign to both polymorphs of a compound, positive
for the nitrides and ZnO), and a head on frozen SevenNet-0 trained with a loss blind to the sign of each label (if
labels were right in size but random in sign, it would beat zero). Writes benchmarks/results/piezo_analysis.json.

    python benchmarks/piezo_analysis.py     # about 3 min
"""

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from backbone import HEAD
from record import git_commit
from tensor_nb.conventions import full_to_voigt
from tensor_nb.data import dataset_splits, load_task
from tensor_nb.prediction import predict
from tensor_nb.symmetry import is_polar, operations_of, symmetrize
from tensor_nb.train import LOSSES, TrainConfig, task_data, train

POLYMORPHS = {"P6_3mc": "wurtzite", "F-43m": "zincblende"}
"Space groups of the AB tetrahedral polymorphs whose bond response is compared."


def bond_response(structure, tensor: np.ndarray) -> tuple[str, float] | None:
    """(polymorph, e_ijk b_i b_j b_k in C/m^2) along the shortest cation->anion bond b (wurtzite: the bond along c),
    or None if the structure is not a 2- or 4-atom AB wurtzite or zincblende."""
    if len(structure.composition.elements) != 2 or len(structure) not in (2, 4):
        return None
    kind = POLYMORPHS.get(SpacegroupAnalyzer(structure, symprec=0.1).get_space_group_symbol())
    if kind is None:
        return None
    cation, anion = sorted(structure.composition.elements, key=lambda e: e.X)
    i = next(k for k, site in enumerate(structure) if site.specie == cation)
    c = structure.lattice.matrix[2] / np.linalg.norm(structure.lattice.matrix[2])
    bonds = [nb.coords - structure[i].coords for nb in structure.get_neighbors(structure[i], 3.5) if nb.specie == anion]
    if kind == "wurtzite":
        bonds = [v for v in bonds if abs(v @ c) > 0.95 * np.linalg.norm(v)]
    if not bonds:
        return None
    b = min(bonds, key=np.linalg.norm)
    b = b / np.linalg.norm(b)
    return kind, float(np.einsum("ijk,i,j,k", tensor, b, b, b))


class SignBlindMSE(torch.nn.Module):
    "Per crystal, the smaller of the squared errors against the label and against its negative."

    def forward(self, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.minimum(((pred - y) ** 2).mean(-1), ((pred + y) ** 2).mean(-1)).mean()


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
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
    bonds = {}
    for r in records:
        if (found := bond_response(r.structure, r.tensor)) is not None:
            bonds.setdefault(r.structure.composition.reduced_formula, {})[found[0]] = round(found[1], 3)
    out["bond_response"] = {
        "per_compound": bonds,
        **{f"{kind}_positive_negative": [sum(bool(b[kind] > 0) for b in bonds.values() if kind in b),
                                         sum(bool(b[kind] < 0) for b in bonds.values() if kind in b)]
           for kind in POLYMORPHS.values()},
        "both_polymorphs_same_sign_opposite": [
            sum(bool(b["wurtzite"] * b["zincblende"] > 0) for b in bonds.values() if len(b) == 2),
            sum(bool(b["wurtzite"] * b["zincblende"] < 0) for b in bonds.values() if len(b) == 2)],
    }
    LOSSES["sign_blind_mse"] = SignBlindMSE
    run = Path(__file__).resolve().parents[2] / "runs" / "piezo_sign_blind"
    data = task_data("piezoelectric", progress=False)
    config = TrainConfig(task="piezoelectric", model="sevennet-0", loss="sign_blind_mse", model_kw={"mul": 16}, **HEAD)
    result = train(config, run, data=data, progress=False)
    out["sign_blind_head"] = {"best_epoch": result["best_epoch"], "run": str(run)}
    idx = {m: i for i, m in enumerate(data.ids)}
    for split in ("val", "test"):
        rows = [idx[m] for m in data.splits[split]]
        P = np.asarray(predict([data.structures[i] for i in rows], "piezoelectric", model_path=run / "model.pt",
                               progress=False))
        L = np.stack([data.tensors[i] for i in rows])
        same, flipped = np.abs(P - L).mean((1, 2, 3)), np.abs(P + L).mean((1, 2, 3))
        out["sign_blind_head"][split] = {"sign_blind_mae": float(np.minimum(same, flipped).mean()),
                                         "mae": float(same.mean()), "zero": float(np.abs(L).mean())}
    path = Path(__file__).parent / "results" / "piezo_analysis.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
