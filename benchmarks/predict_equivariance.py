"""How equivariant is `predict` in float64? The largest error over the example crystals, proper and improper rotations.

For every shipped task and every example crystal (`tensor_nb.examples`), predicts the crystal and its image under a
seeded random rotation Q and under -Q (an improper one), and reports the largest |Q.T - T(Q crystal)| relative to
the crystal's largest component (at least the card's test MAE: tensors zero by symmetry are rounding). With
--plain-cast, models are cast to float64 by `.to()` as before 2026-12-07 (float32-rounded Wigner 3j symbols) instead
of `to_dtype`. Appends a row to benchmarks/results/predict_equivariance.jsonl.

    python benchmarks/predict_equivariance.py [--plain-cast]
"""

import argparse
import warnings

import numpy as np
import torch
from scipy.spatial.transform import Rotation

import tensor_nb.backbone
import tensor_nb.prediction
from record import append_row, git_commit, machine
from tensor_nb.cards import shipped_models
from tensor_nb.conventions import rotate_tensor
from tensor_nb.errors import PredictionWarning
from tensor_nb.examples import example_structures
from tensor_nb.prediction import predict
from tensor_nb.structures import transformed_structure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain-cast", action="store_true", help="cast models with .to() (the behaviour before)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.plain_cast:
        tensor_nb.backbone.to_dtype = tensor_nb.prediction.to_dtype = lambda module, dtype: module.to(dtype)
    crystals = example_structures()
    row = {"command": "python benchmarks/predict_equivariance.py" + " --plain-cast" * args.plain_cast,
           "commit": git_commit(), "crystals": list(crystals), **machine(), "largest_error": {}}
    for task, card in shipped_models().items():
        worst = 0.0
        for k, s in enumerate(crystals.values()):
            for Q in (q := Rotation.random(random_state=k).as_matrix(), -q):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", PredictionWarning)
                    a, b = np.asarray(predict(s, task)), np.asarray(predict(transformed_structure(s, Q), task))
                scale = max(np.abs(a).max(), card["test"]["mean_component_mae"])
                worst = max(worst, float(np.abs(rotate_tensor(a, Q, 2 if card.get("per_atom") else None) - b).max()
                                         / scale))
        row["largest_error"][task] = worst
        print(f"{task}: {worst:.1e}")
    append_row("predict_equivariance.jsonl", row)


if __name__ == "__main__":
    main()
