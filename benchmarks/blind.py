"""Blind training runs (no pretraining) for every tensor task and model; records results.

Each run is `tensor_nb.train.train` with the settings below, resumable (rerun to continue). Results
(test metrics beside the zero and mean predictors, command, git commit, data hash, wall time) are
appended to benchmarks/results/blind.jsonl; run folders go to --runs (default ../runs).

    python benchmarks/blind.py [--only seconv] [--tasks dielectric,piezoelectric] [--epochs 60] [--threads 2]
                               [--target-scale global] [--loss l1]
"""

import argparse
import time
from pathlib import Path

import torch

from record import append_row, run_row
from tensor_nb.train import TrainConfig, task_data, train

SIZES = {"dielectric": {"lmax": 2}, "piezoelectric": {"lmax": 3}, "elastic": {"lmax": 4}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="seconv,cgcnn,segnn,se3transformer")
    parser.add_argument("--tasks", default="dielectric,piezoelectric,elastic")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--runs", default=str(Path(__file__).resolve().parents[2] / "runs"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target-scale", choices=["irrep", "global"], default="irrep")
    parser.add_argument("--loss", choices=["huber", "mse", "l1"], default="huber")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for task in args.tasks.split(","):
        data = task_data(task, progress=False)
        for model in args.only.split(","):
            kw = {} if model in ("cgcnn", "chgcnn") else SIZES[task]
            cfg = TrainConfig(
                task=task,
                model=model,
                epochs=args.epochs,
                model_kw=kw,
                patience=min(20, args.epochs),
                target_scale=args.target_scale,
                loss=args.loss,
            )
            variant = "".join(
                f"_{v}" for v, default in ((args.target_scale, "irrep"), (args.loss, "huber")) if v != default
            )
            run_dir = Path(args.runs) / f"{task}_{model}{variant}"
            t0 = time.time()
            res = train(cfg, run_dir, data, progress=False)
            append_row("blind.jsonl", run_row(res, run_dir, t0, task=task, model=model))
            t, b = res["test"], res["baselines"]
            print(
                f"{task:14s} {model:15s} mean comp. MAE {t['mean_component_mae']:.4g} "
                f"(mean pred. {b['mean']['mean_component_mae']:.4g}, zero {b['zero']['mean_component_mae']:.4g})  "
                f"Fnorm {t['fnorm']:.4g}  EwT25 {t['ewt_25']:.1%}  {time.time() - t0:.0f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
