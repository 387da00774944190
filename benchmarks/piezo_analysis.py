"""Why is the piezoelectric tensor so hard to predict better than zero? Measured, not guessed.

On the piezoelectric set (frame-consistent records, as used for training): how much of the zero predictor's error the
largest tensors carry, how many Voigt components symmetry forbids, the shipped model against zero on polar and
non-polar point groups and the e33 sign of textbook wurtzites and LiNbO3 (the physics estimate of the ionic tensor
is `benchmarks/ionic_response.py`). Writes benchmarks/results/piezo_analysis.json.

    python benchmarks/piezo_analysis.py     # about 1 min
"""

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import torch

from record import git_commit
from tensor_nb.conventions import full_to_voigt
from tensor_nb.data import dataset_splits, load_task
from tensor_nb.prediction import predict
from tensor_nb.symmetry import is_polar, operations_of, symmetrize


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
    path = Path(__file__).parent / "results" / "piezo_analysis.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
