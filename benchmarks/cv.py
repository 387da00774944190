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

With --combine, nothing trains: the fold models of settings already cross-validated (a JSON list of changes to the
card's settings, {} for its own) predict their held folds (`predict`, symmetrised, float64), and the row reports each
setting alone and the equal mean of their predictions, fold by fold: whether settings that tie alone gain as an
ensemble. Each setting's fold runs live in a folder named by its config's hash, so that they are found again after
the card changes.

    python benchmarks/cv.py --task dielectric --combine '[{}, {"lr": 0.032}]'   # ~1 min per setting
"""

import hashlib
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from record import append_row, data_hash, experiment_args, git_commit, machine
from tensor_nb.cards import ASSETS
from tensor_nb.metrics import baseline_metrics, tensor_metrics
from tensor_nb.prediction import predict
from tensor_nb.train import TaskData, TrainConfig, task_data, train


def hashed(ids: list[str]) -> list[str]:
    "The ids in the order of their SHA-256 hashes."
    return sorted(ids, key=lambda m: hashlib.sha256(m.encode()).hexdigest())


def fold_data(data: TaskData, fold: int, k: int) -> TaskData:
    "A task's data with fold `fold` of its training and validation crystals as validation (and test) split."
    pool = hashed(data.splits["train"] + data.splits["val"])
    held = pool[fold::k]  # fold i: every k-th id from the i-th
    kept = set(held)
    return replace(data, splits={"train": [m for m in pool if m not in kept], "val": held, "test": held})


def settings(task: str, change: dict) -> dict:
    "The training config of the task's shipped model (its card) with the fields in `change` replaced."
    card = json.loads((ASSETS / f"{task}.json").read_text())
    return {**card["training"]["config"], **change}


def run_folder(runs: str, task: str, config: dict) -> Path:
    "The folder of the fold runs of a training config: one per setting, whatever card it was changed from."
    return Path(runs) / f"{task}_{TrainConfig(**config).key()[:12]}"


def run_fold(task: str, config: dict, fold: int, k: int, runs: Path) -> dict:
    "Train on every fold but `fold` of the task's training and validation crystals, validated on that one."
    torch.set_num_threads(1)
    data = fold_data(task_data(task, progress=False), fold, k)
    held = data.splits["val"]
    t0 = time.time()
    res = train(TrainConfig(**config), runs / f"fold{fold}", data=data, progress=False)
    idx = {m: i for i, m in enumerate(data.ids)}
    tensors = lambda ids: np.stack([data.tensors[idx[m]] for m in ids])  # noqa: E731
    mean = baseline_metrics(tensors(data.splits["train"]), tensors(held), data.kind)["mean"]["mean_component_mae"]
    return {"fold": fold, "n": len(held), "mae": res["val"]["mean_component_mae"], "mean": mean,
            "wall_s": time.time() - t0}


def combine(task: str, changes: list[dict], k: int, runs: str) -> dict:
    "The row of --combine: per fold, each setting's fold model alone and the equal mean of their predictions."
    folders = [run_folder(runs, task, settings(task, change)) for change in changes]
    if missing := [f"{f}/fold{i}" for f in folders for i in range(k) if not (f / f"fold{i}" / "model.pt").exists()]:
        sys.exit(f"error: no fold model in {missing[0]}: run cv.py --change for each setting first")
    found, t0, every = [], time.time(), task_data(task, progress=False)
    for i in range(k):
        data = fold_data(every, i, k)
        idx = {m: j for j, m in enumerate(data.ids)}
        held = [idx[m] for m in data.splits["val"]]
        S, truth = [data.structures[j] for j in held], np.stack([data.tensors[j] for j in held])
        preds = [predict(S, task, model_path=f / f"fold{i}" / "model.pt", progress=False) for f in folders]
        mae = lambda T: tensor_metrics(T, truth, task)["mean_component_mae"]  # noqa: E731
        found.append({"fold": i, "n": len(S), "alone": [mae(T) for T in preds], "mae": mae(np.mean(preds, 0))})
        print(f"fold {i}: alone {', '.join(f'{x:.4g}' for x in found[-1]['alone'])}; mean {found[-1]['mae']:.4g}")
    alone = np.mean([f["alone"] for f in found], 0).tolist()
    row = {"task": task, "combine": changes, "folds": found, "k": k, "mean_alone": alone,
           "mean_mae": float(np.mean([f["mae"] for f in found])),
           "configs": [json.loads((f / "fold0" / "results.json").read_text())["config"] for f in folders]}
    print(f"mean over {k} folds: alone {', '.join(f'{x:.4g}' for x in alone)}; mean of them {row['mean_mae']:.4g}")
    return {**row, "commit": git_commit(), "data_sha256_16": data_hash(task), "wall_s": time.time() - t0, **machine()}


def main() -> None:
    args = experiment_args(__doc__, "cv", options={  # --threads: folds trained at once, one thread each
        "task": {"default": "dielectric", "help": "a shipped task"},
        "change": {"default": "{}", "help": "JSON of training settings to change, e.g. '{\"lr\": 0.004}'"},
        "folds": {"type": int, "default": 5},
        "combine": {"default": "", "help": "JSON list of changes already cross-validated: their fold models' mean"}})
    if args.combine:
        return append_row("cv.jsonl", combine(args.task, json.loads(args.combine), args.folds, args.runs))
    change = json.loads(args.change)
    config = settings(args.task, change)
    TrainConfig(**config).check()  # a bad change is refused before any fold trains
    runs = run_folder(args.runs, args.task, config)
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
