"""Transfer grid: blind vs. pretrained (frozen encoder + new head, or fine-tuned) on tensor targets.

The source encoder is a trained model.pt (default: the blind elastic SEConv run, lmax 4). For each
target task and training fraction, three runs with the same architecture: blind, freeze, finetune;
plus the chain elastic -> dielectric -> piezoelectric (fine-tuned). Rows (test metrics beside the
zero and mean predictors, command, git commit, data hash, wall time) go to
benchmarks/results/transfer.jsonl.

    python benchmarks/transfer.py --source ../runs/elastic_seconv/model.pt [--targets dielectric,piezoelectric] [--fractions 0.25,1]
"""
import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

from tensor_nb.data import TASKS, data_dir
from tensor_nb.train import TrainConfig, task_data, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="model.pt of the pretrained source model")
    parser.add_argument("--source-task", default="elastic")
    parser.add_argument("--targets", default="dielectric,piezoelectric")
    parser.add_argument("--fractions", default="0.25,1")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--runs", default=str(Path(__file__).resolve().parents[2] / "runs" / "transfer"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    src = torch.load(args.source, weights_only=True)
    model, kw = src["model_name"], dict(src["model_kw"])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    out = Path(__file__).parent / "results" / "transfer.jsonl"
    runs = Path(args.runs)

    def record(target, mode, fraction, cfg, data, chain):
        t0 = time.time()
        res = train(cfg, runs / f"{'-'.join(chain)}_{mode}_{fraction}", data, progress=False)
        snap = next(data_dir().glob(f"{TASKS[target].snapshot}.jsonl*"))
        row = dict(target=target, chain=chain, mode=mode, fraction=fraction, model=model, commit=commit, command=" ".join(sys.argv),
                   data_sha256_16=hashlib.sha256(snap.read_bytes()).hexdigest()[:16], wall_s=time.time() - t0, n_train=res["n_train"],
                   epochs_run=res["epochs_run"], test=res["test"], baselines=res["baselines"], config=res["config"])
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        t, b = res["test"], res["baselines"]
        print(f"{'->'.join(chain):40s} {mode:9s} {fraction:5.2f}  mean comp. MAE {t['mean_component_mae']:.4g} "
              f"(mean {b['mean']['mean_component_mae']:.4g}, zero {b['zero']['mean_component_mae']:.4g})  EwT25 {t['ewt_25']:.1%}  {time.time() - t0:.0f} s", flush=True)
        return runs / f"{'-'.join(chain)}_{mode}_{fraction}" / "model.pt"

    for target in args.targets.split(","):
        data = task_data(target, progress=False)
        for fraction in [float(f) for f in args.fractions.split(",")]:
            base = dict(task=target, model=model, epochs=args.epochs, patience=10, train_fraction=fraction, model_kw=kw)
            record(target, "blind", fraction, TrainConfig(**base), data, [target])
            for mode in ("freeze", "finetune"):
                cfg = TrainConfig(**base, init_encoder=str(Path(args.source).resolve()), freeze_encoder=mode == "freeze")
                record(target, mode, fraction, cfg, data, [args.source_task, target])
    # the chain source -> dielectric -> piezoelectric, fine-tuned at every step
    if "dielectric" in args.targets and "piezoelectric" in args.targets:
        step = str(runs / f"{args.source_task}-dielectric_finetune_1.0" / "model.pt")
        data = task_data("piezoelectric", progress=False)
        cfg = TrainConfig(task="piezoelectric", model=model, epochs=args.epochs, patience=10, model_kw=kw, init_encoder=step)
        record("piezoelectric", "finetune", 1.0, cfg, data, [args.source_task, "dielectric", "piezoelectric"])


if __name__ == "__main__":
    main()
