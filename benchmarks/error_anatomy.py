"""Where does a shipped model's test error come from? Per-crystal errors on the test split, largest first.

For each task: predict the test split with the shipped model, take each crystal's mean absolute error over its Voigt
components, and report the share of the total carried by the 1, 5 and 10 worst crystals, the MAE without the 5
worst, and the worst crystals with their largest labelled and predicted components. Appends a row per task to
benchmarks/results/error_anatomy.jsonl.

    python benchmarks/error_anatomy.py --tasks dielectric,elastic,piezoelectric   # ~1 min per task
"""

import argparse
import time
import warnings

import numpy as np
import torch

from record import append_row, data_hash, git_commit, split_records
from tensor_nb.conventions import full_to_voigt
from tensor_nb.cards import shipped_models
from tensor_nb.prediction import predict


def anatomy(task: str, worst: int = 8) -> dict:
    "Per-crystal test errors of the shipped model of a (per-crystal) task: concentration and the worst crystals."
    kind = shipped_models()[task]["kind"]
    records = split_records(task, "test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = np.stack(predict([r.structure for r in records], task, progress=False))
    v = lambda t: full_to_voigt(np.asarray(t), kind).reshape(len(t), -1)
    truth, pred = v(np.stack([r.tensor for r in records])), v(pred)
    err = np.abs(pred - truth).mean(1)
    order = np.argsort(-err)
    share = lambda k: float(err[order[:k]].sum() / err.sum())
    largest = lambda t: float(t[np.argmax(np.abs(t))])
    worst_rows = [{"material_id": records[i].material_id, "formula": records[i].structure.composition.reduced_formula,
                   "error": float(err[i]), "largest_label": largest(truth[i]), "largest_prediction": largest(pred[i])}
                  for i in order[:worst]]
    return {"task": task, "n": len(err), "voigt_mae": float(err.mean()), "share_worst_1": share(1),
            "share_worst_5": share(5), "share_worst_10": share(10),
            "voigt_mae_without_worst_5": float(err[order[5:]].mean()), "worst": worst_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="dielectric,elastic,piezoelectric")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for task in args.tasks.split(","):
        t0 = time.time()
        row = anatomy(task)
        row.update(commit=git_commit(), data_sha256_16=data_hash(task), wall_s=round(time.time() - t0, 1))
        append_row("error_anatomy.jsonl", row)
        print({k: v for k, v in row.items() if k != "worst"})
        for w in row["worst"]:
            print("   ", w)


if __name__ == "__main__":
    main()
