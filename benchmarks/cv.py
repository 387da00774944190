"""k-fold cross-validation of a shipped model's training settings, and of changes to them.

One validation split of ~120 crystals is a noisy judge: for the dielectric model, settings that lower the validation
error often raise the test error (README, 'Tried and not better'). This script trains the settings of a shipped
model's card (`training.config`), with the fields given in --change replaced, once per fold: the training and
validation crystals together are cut into --folds folds by a hash of their material ids, and each run learns from
all folds but one and is validated (and early-stopped) on that one. The test split is never read. Reports each fold's
mean component MAE and their mean, beside the mean predictor of the same folds, and appends a row to
benchmarks/results/cv.jsonl. Two settings are compared fold by fold: the same folds for both. Resumable: rerun the
same command (each fold is a run folder under --runs).

    python benchmarks/cv.py --task dielectric [--change '{"lr": 0.004}'] [--folds 5]   # ~17 min on 2 cores
"""

import hashlib
import json
import multiprocessing
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from record import append_row, data_hash, experiment_args, git_commit, machine
from tensor_nb.cards import ASSETS
from tensor_nb.metrics import baseline_metrics
from tensor_nb.train import TrainConfig, task_data, train


def hashed(ids: list[str]) -> list[str]:
    "The ids in the order of their SHA-256 hashes."
    return sorted(ids, key=lambda m: hashlib.sha256(m.encode()).hexdigest())


def run_fold(task: str, config: dict, fold: int, k: int, runs: str) -> dict:
    "Train on every fold but `fold` of the task's training and validation crystals, validated on that one."
    torch.set_num_threads(1)
    data = task_data(task, progress=False)
    pool = hashed(data.splits["train"] + data.splits["val"])
    held = pool[fold::k]  # fold i: every k-th id from the i-th
    kept = set(held)
    data = replace(data, splits={"train": [m for m in pool if m not in kept], "val": held, "test": held})
    t0 = time.time()
    res = train(TrainConfig(**config), Path(runs) / f"fold{fold}", data=data, progress=False)
    idx = {m: i for i, m in enumerate(data.ids)}
    tensors = lambda ids: np.stack([data.tensors[idx[m]] for m in ids])  # noqa: E731
    mean = baseline_metrics(tensors(data.splits["train"]), tensors(held), data.kind)["mean"]["mean_component_mae"]
    return {"fold": fold, "n": len(held), "mae": res["val"]["mean_component_mae"], "mean": mean,
            "wall_s": time.time() - t0}


def main() -> None:
    args = experiment_args(__doc__, "cv", options={  # --threads: folds trained at once, one thread each
        "task": {"default": "dielectric", "help": "a shipped task"},
        "change": {"default": "{}", "help": "JSON of training settings to change, e.g. '{\"lr\": 0.004}'"},
        "folds": {"type": int, "default": 5}})
    change = json.loads(args.change)
    card = json.loads((ASSETS / f"{args.task}.json").read_text())
    config = {**card["training"]["config"], **change}
    TrainConfig(**config).check()  # a bad change is refused before any fold trains
    name = "_".join([args.task] + [f"{k}{v}" for k, v in sorted(change.items())])
    runs = Path(args.runs) / re.sub(r"[^\w.-]", "", name)  # a folder per task and change
    t0 = time.time()
    with ProcessPoolExecutor(args.threads, mp_context=multiprocessing.get_context("spawn")) as pool:  # one fold a core
        found = list(pool.map(run_fold, *zip(*[(args.task, config, i, args.folds, runs) for i in range(args.folds)])))
    for f in found:
        print(f"fold {f['fold']}: {f['mae']:.4g} (mean predictor {f['mean']:.4g})")
    row = {"task": args.task, "change": change, "folds": found, "k": args.folds, "config": config,
           "mean_mae": float(np.mean([f["mae"] for f in found])),
           "mean_predictor": float(np.mean([f["mean"] for f in found])), "commit": git_commit(),
           "data_sha256_16": data_hash(args.task), "wall_s": time.time() - t0, **machine()}
    print(f"mean over {args.folds} folds: {row['mean_mae']:.4g} (mean predictor {row['mean_predictor']:.4g})")
    append_row("cv.jsonl", row)


if __name__ == "__main__":
    main()
