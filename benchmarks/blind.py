"""Blind training runs (no pretraining) for every tensor task and model; records results.

Each run is `tensor_nb.train.train` with the settings below, resumable (rerun to continue). Results
(test metrics beside the zero and mean predictors, command, git commit, data hash, wall time) are
appended to benchmarks/results/blind.jsonl; run folders go to --runs (default ../runs).

    python benchmarks/blind.py [--only seconv] [--tasks dielectric,piezoelectric] [--epochs 60] [--threads 2]
                               [--target-scale global] [--loss l1] [--fractions 0.1,0.25] [--seeds 0,1,2]
"""

import argparse
import time
from pathlib import Path

import torch

from record import append_row, run_row, test_line
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
    parser.add_argument("--fractions", default="1", help="training fractions (learning curves), comma-separated")
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for task in args.tasks.split(","):
        data = task_data(task, progress=False)
        for model in args.only.split(","):
            for fraction in map(float, args.fractions.split(",")):
                for seed in map(int, args.seeds.split(",")):
                    run(args, task, model, fraction, seed, data)


def run(args, task: str, model: str, fraction: float, seed: int, data) -> None:
    "One blind run, recorded; runs on part of the data or another seed carry both in their folder's name."
    kw = {} if model in ("cgcnn", "chgcnn") else SIZES[task]
    cfg = TrainConfig(
        task=task,
        model=model,
        epochs=args.epochs,
        model_kw=kw,
        patience=min(20, args.epochs),
        target_scale=args.target_scale,
        loss=args.loss,
        train_fraction=fraction,
        seed=seed,
    )
    variant = "".join(f"_{v}" for v, default in ((args.target_scale, "irrep"), (args.loss, "huber")) if v != default)
    variant += f"_{fraction:g}_{seed}" if (fraction, seed) != (1.0, 0) else ""
    run_dir = Path(args.runs) / f"{task}_{model}{variant}"
    t0 = time.time()
    res = train(cfg, run_dir, data, progress=False)
    append_row("blind.jsonl", run_row(res, run_dir, t0, task=task, model=model, fraction=fraction, seed=seed))
    t = res["test"]
    print(f"{task:14s} {model:15s} {fraction:4.0%} seed {seed}: {test_line(res)}  Fnorm {t['fnorm']:.4g}  "
          f"EwT25 {t['ewt_25']:.1%}  {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
