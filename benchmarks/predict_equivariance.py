"""How equivariant is `predict` in float64? The largest error over many crystals, proper and improper rotations.

For every shipped task and every example crystal (`tensor_nb.examples`), or with --split the first --n crystals of
that split of each task's own data, predicts the crystal and its image under a seeded random rotation Q and under -Q
(an improper one), and reports the largest |Q.T - T(Q crystal)| relative to the crystal's largest component (at least
the card's test MAE: tensors zero by symmetry are rounding), and the crystal it was found for. With --plain-cast,
models are cast to float64 by `.to()` as before 2026-12-07 (float32-rounded Wigner 3j symbols) instead of
`to_dtype`. Appends a row to benchmarks/results/predict_equivariance.jsonl.

    python benchmarks/predict_equivariance.py [--plain-cast]
    python benchmarks/predict_equivariance.py --split test --n 96   # ~3 min on 2 cores
"""

import argparse
import sys
import warnings

import numpy as np
import torch
from scipy.spatial.transform import Rotation

import tensor_nb.backbone
import tensor_nb.prediction
from record import append_row, git_commit, machine, split_records
from tensor_nb.cards import shipped_models
from tensor_nb.conventions import rotate_tensor
from tensor_nb.errors import PredictionWarning
from tensor_nb.examples import example_structures
from tensor_nb.prediction import predict
from tensor_nb.structures import transformed_structure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain-cast", action="store_true", help="cast models with .to() (the behaviour before)")
    parser.add_argument("--split", choices=("train", "val", "test"), help="crystals of this split of each task")
    parser.add_argument("--n", type=int, default=96, help="with --split: how many crystals per task")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.plain_cast:
        tensor_nb.backbone.to_dtype = tensor_nb.prediction.to_dtype = lambda module, dtype: module.to(dtype)
    examples = example_structures()
    row = {"command": "python benchmarks/" + " ".join([__file__.rsplit("/", 1)[-1]] + sys.argv[1:]),
           "commit": git_commit(), "crystals": f"first {args.n} of the {args.split} split" if args.split else
           list(examples), **machine(), "largest_error": {}, "worst_crystal": {}}
    rng = np.random.default_rng(0)
    for task, card in shipped_models().items():
        named = ({r.material_id: r.structure for r in split_records(task, args.split)[:args.n]} if args.split
                 else examples)
        names, structures = list(named), list(named.values())
        qs = [Rotation.random(random_state=int(rng.integers(1 << 30))).as_matrix() for _ in structures]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PredictionWarning)
            a = predict(structures, task, progress=False)
            images = {sign: predict([transformed_structure(s, sign * q) for s, q in zip(structures, qs)], task,
                                    progress=False) for sign in (1, -1)}
        floor, axes = card["test"]["mean_component_mae"], 2 if card.get("per_atom") else None
        errors = [(float(np.abs(rotate_tensor(np.asarray(a[i]), sign * q, axes) - np.asarray(b[i])).max()
                         / max(np.abs(a[i]).max(), floor)), names[i])
                  for sign, b in images.items() for i, q in enumerate(qs)]
        worst = max(errors)
        row["largest_error"][task], row["worst_crystal"][task] = worst
        print(f"{task}: {worst[0]:.1e} ({worst[1]}, {len(structures)} crystals)")
    append_row("predict_equivariance.jsonl", row)


if __name__ == "__main__":
    main()
