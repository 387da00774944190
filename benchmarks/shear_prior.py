"""Would a clamped-ion shear modulus from the potential help the shipped elastic model's G_VRH, as the bulk prior
helps K_VRH?

The shipped elastic model blends its Voigt bulk modulus with SevenNet-0's bulk modulus (07c_potential).
This experiment does the same for the Voigt shear modulus. For each elastic crystal of the validation and test
splits it computes the potential's clamped-ion K_V and G_V from energies alone. The crystal is strained along an
orthonormal basis B_m of symmetric matrices: one isotropic and five traceless. The strain is a Lagrangian (Green)
strain t B_m, with deformation F = sqrt(1 + 2 t B_m). From central differences, B:C:B = (1 / V) d2E/dt2, so that
K_V = (B_0:C:B_0) / 3 and G_V = (1 / 10) sum over the five traceless B_m. That is 13 energies per crystal, no
forces.

Then G_V of each predicted tensor is moved to (1 - w) G_V + w s G_clamped. Only the isotropic shear part of the
tensor changes; K_V stays. The weight w and the scale s (the potential is soft) are chosen on validation by G_VRH
MAE. Appends a row to benchmarks/results/shear_prior.jsonl. The moduli are kept in the runs folder; a rerun reuses
them.

    python benchmarks/shear_prior.py [--runs ../runs/shear_prior]   # ~15 min on 2 cores
"""

import itertools
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from record import append_row, experiment_args, git_commit, split_records
from tensor_nb.backbone import batch_graphs, sevennet_graph
from tensor_nb.conventions import full_to_voigt
from tensor_nb.metrics import voigt_reuss, vrh_moduli
from tensor_nb.potential import POTENTIAL, _energy_model, _EV_PER_A3_IN_GPA
from tensor_nb.prediction import predict

STEP = 1e-3
"Green strain amplitude t of the central differences."
WEIGHTS, SCALES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3), (1.0, 1.2, 1.4)
"The blend weights w and potential scales s tried on validation."


def strain_basis() -> np.ndarray:
    "An orthonormal basis (6, 3, 3) of symmetric matrices (Frobenius product): the isotropic one, then 5 traceless."
    e = np.eye(3)
    pair = [(np.outer(e[i], e[j]) + np.outer(e[j], e[i])) / np.sqrt(2) for i, j in ((0, 1), (0, 2), (1, 2))]
    return np.array([e / np.sqrt(3), np.diag([1, -1, 0]) / np.sqrt(2), np.diag([1, 1, -2]) / np.sqrt(6), *pair])


def deformations(step: float = STEP) -> np.ndarray:
    "(13, 3, 3): the identity, then F = sqrt(1 + 2 t B) for t = +step, -step along each basis matrix B."
    def green(eta):
        w, U = np.linalg.eigh(np.eye(3) + 2 * eta)
        return (U * np.sqrt(w)) @ U.T
    return np.array([np.eye(3)] + [green(sign * step * B) for B in strain_basis() for sign in (1, -1)])


def clamped_moduli(structures: list, batch_size: int = 8) -> np.ndarray:
    "Clamped-ion (K_V, G_V) in GPa, (N, 2), of structures at their given geometry under the potential."
    model, F, out = _energy_model(POTENTIAL), torch.tensor(deformations()), []
    for start in tqdm(range(0, len(structures), batch_size), desc="clamped moduli", unit="batch"):
        chunk = structures[start:start + batch_size]
        g = batch_graphs([sevennet_graph(s, model.type_map, model.cutoff) for s in chunk] * len(F))
        with torch.no_grad():
            E = model(g, F.repeat_interleave(len(chunk), 0)).reshape(len(F), len(chunk))
        curvature = (E[1::2] + E[2::2] - 2 * E[0]) / STEP**2 / torch.tensor([s.volume for s in chunk]).double()
        q = curvature.numpy() * _EV_PER_A3_IN_GPA  # B:C:B for each basis matrix, (6, n)
        out.append(np.stack([q[0] / 3, q[1:].sum(0) / 10], 1))
    return np.concatenate(out)


def shift_shear(C: np.ndarray, dG: np.ndarray) -> np.ndarray:
    "Voigt stiffness matrices (N, 6, 6) with G_V moved by dG (N,) and K_V kept: 2 dG times the deviatoric identity."
    C = C.copy()
    C[:, :3, :3] += 2 * dG[:, None, None] * (np.eye(3) - 1 / 3)
    C[:, [3, 4, 5], [3, 4, 5]] += dG[:, None]
    return C


def main() -> None:
    args = experiment_args(__doc__, "shear_prior")
    Path(args.runs).mkdir(parents=True, exist_ok=True)
    t0, data = time.time(), {}
    for split in ("val", "test"):
        records = split_records("elastic", split)
        S = [r.structure for r in records]
        saved = Path(args.runs) / f"clamped_{split}.npy"
        if not saved.exists():
            np.save(saved, clamped_moduli(S))
        pred = full_to_voigt(predict(S, "elastic", progress=False), "elastic")
        data[split] = (pred, np.stack([r.voigt for r in records]), np.load(saved))

    def scores(split: str, w: float, scale: float) -> dict:
        pred, truth, clamped = data[split]
        usable = np.isfinite(clamped[:, 1]) & (clamped[:, 1] > 0)
        g_v = voigt_reuss(pred)[1]
        C = shift_shear(pred, np.where(usable, w * (scale * clamped[:, 1] - g_v), 0.0))
        (k, g), (k_true, g_true) = vrh_moduli(C), vrh_moduli(truth)
        return {"mean_component_mae": float(np.abs(C - truth).mean()), "k_vrh_mae": float(np.abs(k - k_true).mean()),
                "g_vrh_mae": float(np.abs(g - g_true).mean())}

    grid = {(w, s): scores("val", w, s) for w, s in itertools.product(WEIGHTS, SCALES)}
    w, s = min(grid, key=lambda key: grid[key]["g_vrh_mae"])
    g_true = {split: vrh_moduli(data[split][1])[1] for split in data}
    row = {"commit": git_commit(), "date": time.strftime("%Y-%m-%d"), "potential": POTENTIAL, "weight": w, "scale": s,
           "selected_by": "lowest validation G_VRH MAE",
           "correlation_clamped_g": {split: float(np.corrcoef(data[split][2][:, 1], g_true[split])[0, 1])
                                     for split in data},
           "correlation_shipped_g": {split: float(np.corrcoef(vrh_moduli(data[split][0])[1], g_true[split])[0, 1])
                                     for split in data},
           "median_ratio_clamped_g": {split: float(np.median(data[split][2][:, 1] / g_true[split])) for split in data},
           **{split: {"shipped": scores(split, 0.0, 1.0), "with shear prior": scores(split, w, s)} for split in data},
           "wall_s": time.time() - t0}
    print({k: v for k, v in row.items() if k in ("weight", "scale", "val", "test")})
    append_row("shear_prior.jsonl", row)


if __name__ == "__main__":
    main()
