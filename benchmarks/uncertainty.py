"""Does an ensemble's spread tell where its predictions are wrong? Measured on the test split.

For every shipped model with several heads (or the model files given with --model-path): predict the test split with
`spread=True`, then per crystal (per atom for Born charges) compare the mean absolute error over Voigt components
with the mean spread: Spearman rank correlation, and the mean error of the quarter with the smallest and the largest
spread. Appends a row per model to benchmarks/results/uncertainty.jsonl.

    python benchmarks/uncertainty.py [--tasks elastic] [--model-path ../runs/x/model.pt ...]  # ~1 min per model
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from record import append_row, git_commit, split_records
from tensor_nb.checkpoint import load_model
from tensor_nb.conventions import full_to_voigt
from tensor_nb.cards import ASSETS, shipped_models
from tensor_nb.prediction import predict

ROOT = Path(__file__).resolve().parents[1]


def measure(task: str, model_path: Path) -> dict:
    "Spread against error on the test split of the task of the model at `model_path`."
    meta = load_model(model_path).meta
    records = split_records(task, "test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred, sd = predict([r.structure for r in records], task, model_path=model_path, spread=True, progress=False)
    if meta.get("per_atom"):
        truth, pred, sd = (np.concatenate(x) for x in ([r.tensor for r in records], pred, sd))
    else:
        truth = np.stack([r.tensor for r in records])
    v = lambda t: full_to_voigt(np.asarray(t), meta["kind"]).reshape(len(t), -1)
    err, spread = np.abs(v(pred) - v(truth)).mean(1), v(sd).mean(1)
    order = np.argsort(spread)
    quarter = max(1, len(order) // 4)
    return {
        "n": len(err),
        "unit": "atoms" if meta.get("per_atom") else "crystals",
        "spearman": float(spearmanr(spread, err).statistic),
        "mae_smallest_spread_quarter": float(err[order[:quarter]].mean()),
        "mae_largest_spread_quarter": float(err[order[-quarter:]].mean()),
        "mae": float(err.mean()),
        "mean_spread": float(spread.mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", nargs="*", default=[])
    parser.add_argument("--tasks", default="", help="only these shipped models, comma-separated (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = [(t, ASSETS / f"{t}.pt") for t, c in shipped_models().items()
            if c.get("ensemble_members", 1) > 1 and (not args.tasks or t in args.tasks.split(","))]
    runs += [(load_model(p).meta["task"], Path(p)) for p in args.model_path]
    for task, path in runs:
        t0 = time.time()
        shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        row = {"task": task, "model_path": str(shown), **measure(task, path), "commit": git_commit(),
               "wall_s": round(time.time() - t0, 1)}
        append_row("uncertainty.jsonl", row)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
