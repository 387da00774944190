"""Do heads on two different backbones, averaged, beat either alone?

Takes two model files of one task from benchmarks/backbone.py runs (say SevenNet-0 and SevenNet-l3i5 heads with the
same settings) and reports, on the validation and test splits, the mean component MAE of (1 - w) first + w second
for the weights w in WEIGHTS, beside the training split's mean predictor. Appends a row to
benchmarks/results/cross_backbone.jsonl. Each model's backbone runs once per split (a minute or two on one thread).

    python benchmarks/cross_backbone.py --task dielectric --models ../runs/a/model.pt ../runs/b/model.pt
"""

import argparse
import time
import warnings

import numpy as np
import torch

from record import append_row, data_hash, git_commit, machine, split_records
from tensor_nb.checkpoint import load_model
from tensor_nb.metrics import baseline_metrics, tensor_metrics
from tensor_nb.prediction import predict

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
"Weights w of the second model in (1 - w) first + w second."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="dielectric")
    parser.add_argument("--models", nargs=2, required=True, help="two model files of the task")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # the out-of-domain notes of the predictions
    t0 = time.time()
    row = {"task": args.task, "commit": git_commit(), "data_sha256_16": data_hash(args.task),
           "models": [{"file": str(m), "backbone": load_model(m).meta["model_name"]} for m in args.models], **machine()}
    train = np.stack([r.tensor for r in split_records(args.task, "train")])
    for split in ("val", "test"):
        records = split_records(args.task, split)
        S, truth = [r.structure for r in records], np.stack([r.tensor for r in records])
        first, second = (predict(S, args.task, model_path=m, progress=False) for m in args.models)
        mae = lambda T: tensor_metrics(T, truth, args.task)["mean_component_mae"]  # noqa: E731
        row[split] = {"n": len(S), "mean": baseline_metrics(train, truth, args.task)["mean"]["mean_component_mae"],
                      **{str(w): mae((1 - w) * first + w * second) for w in WEIGHTS}}
        print(split, {k: round(v, 4) for k, v in row[split].items()}, flush=True)
    row["wall_s"] = time.time() - t0
    append_row("cross_backbone.jsonl", row)


if __name__ == "__main__":
    main()
