"""Can a head on the backbone's features stand in for the potential's relaxed-ion bulk modulus?

The relaxed-ion bulk prior of the shipped elastic model (07c_potential) is most of the time `predict` takes on new
crystals. A learned stand-in would cost nothing at prediction time, if the features carried the potential's K. This
script fits ridge regressions of log K (the potential's relaxed-ion K, SevenNet-0) on the shipped elastic model's
invariant crystal summaries (`invariant_summary`, the input of its moduli head and domain checks), on the training
crystals, with the ridge strength chosen on validation, and reports on validation and test: the stand-in against the
potential, and both against DFT's K_VRH, beside the trivial predictor (the training mean of the potential's K).
Appends a row to benchmarks/results/bulk_surrogate.jsonl. The potential's K takes ~5 min for the three splits on 2
cores the first time (cached after).

    python benchmarks/bulk_surrogate.py
"""

import time

import numpy as np
import torch
from tqdm.auto import tqdm

from record import append_row, data_hash, git_commit, machine, split_records
from tensor_nb.conventions import full_to_voigt
from tensor_nb.metrics import vrh_moduli
from tensor_nb.potential import bulk_modulus, has_bulk_prior
from tensor_nb.prediction import get_model

ALPHAS = tuple(10.0 ** np.arange(-2, 5))
"Ridge strengths tried (on standardised features)."


def summaries(structures: list, batch: int = 16) -> np.ndarray:
    "The shipped elastic model's invariant summaries of the structures (float64 backbone)."
    model = get_model("elastic").model
    out = []
    with torch.no_grad():
        for start in tqdm(range(0, len(structures), batch), desc="summaries", unit="batch"):
            out.append(model.forward_structures(structures[start:start + batch], invariants=True)[1])
    return np.concatenate(out)


def ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    "Weights of a ridge regression of y on the design X, whose last column (the intercept) is not penalised."
    penalty = alpha * np.eye(X.shape[1])
    penalty[-1, -1] = 0.0
    return np.linalg.solve(X.T @ X + penalty, X.T @ y)


def main() -> None:
    torch.set_num_threads(2)
    t0 = time.time()
    data = {}
    for split in ("train", "val", "test"):
        records = split_records("elastic", split)
        structures = [r.structure for r in records]
        k = bulk_modulus(structures, relaxed=True, progress=True)
        dft = vrh_moduli(full_to_voigt(np.stack([r.tensor for r in records]), "elastic"))[0]
        keep = has_bulk_prior(k)
        data[split] = dict(z=summaries(structures)[keep], k=k[keep], dft=dft[keep])
    mean, std = data["train"]["z"].mean(0), data["train"]["z"].std(0) + 1e-12
    design = lambda split: np.hstack([(data[split]["z"] - mean) / std, np.ones((len(data[split]["z"]), 1))])
    fits = {a: ridge(design("train"), np.log(data["train"]["k"]), a) for a in ALPHAS}
    error = lambda split, w: float(np.abs(np.exp(design(split) @ w) - data[split]["k"]).mean())
    alpha = min(ALPHAS, key=lambda a: error("val", fits[a]))
    row = dict(command="python benchmarks/bulk_surrogate.py", commit=git_commit(), data_sha256_16=data_hash("elastic"),
               features="invariant summaries of the shipped elastic model", alpha=alpha, **machine())
    for split in ("val", "test"):
        d, stand_in = data[split], np.exp(design(split) @ fits[alpha])
        row[split] = dict(n=len(d["k"]), stand_in_vs_potential=float(np.abs(stand_in - d["k"]).mean()),
                          mean_vs_potential=float(np.abs(data["train"]["k"].mean() - d["k"]).mean()),
                          potential_vs_dft=float(np.abs(d["k"] - d["dft"]).mean()),
                          stand_in_vs_dft=float(np.abs(stand_in - d["dft"]).mean()))
        print(split, {key: round(v, 2) for key, v in row[split].items()}, flush=True)
    row["wall_s"] = time.time() - t0
    append_row("bulk_surrogate.jsonl", row)


if __name__ == "__main__":
    main()
