"""Training throughput: forward + backward + AdamW step on a batch of 32 snapshot crystals, 2 threads.

For each model at its default size (elastic head, lmax 4 for the equivariant ones), prints the
parameter count, steps/s and structures/s (median of --repeats steps after 2 warm-up steps), and
with --compile also under torch.compile. Appends to benchmarks/results/train_step.jsonl.
Reference from the project brief: MatTen's public elastic model trains ~8 structures/s here.

    python benchmarks/train_step.py [--models seconv,segnn,se3transformer,cgcnn] [--compile]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from record import git_commit
from tensor_nb.data import load_snapshot, record_structure
from tensor_nb.graphs import collate, crystal_graph
from tensor_nb.models import MODELS, count_parameters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="seconv,segnn,se3transformer,cgcnn")
    parser.add_argument("--kind", default="elastic")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    records = load_snapshot("mp_elastic")[:32]
    batch = collate([crystal_graph(record_structure(r)) for r in records])
    target = None
    commit = git_commit()
    rows = []
    for name in args.models.split(","):
        for compiled in ([False, True] if args.compile else [False]):
            torch.manual_seed(0)
            model = MODELS[name](args.kind)
            net = torch.compile(model) if compiled else model
            opt = torch.optim.AdamW(model.parameters(), 1e-3)
            times = []
            for i in range(args.repeats + 2):
                t0 = time.perf_counter()
                out = net(batch)
                target = torch.zeros_like(out) if target is None or target.shape != out.shape else target
                loss = torch.nn.functional.mse_loss(out, target)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if i >= 2:
                    times.append(time.perf_counter() - t0)
            step = float(np.median(times))
            row = dict(
                model=name,
                compiled=compiled,
                parameters=count_parameters(model),
                batch=32,
                atoms=int(batch.atomic_numbers.shape[0]),
                edges=int(batch.edge_index.shape[1]),
                steps_per_s=1 / step,
                structures_per_s=32 / step,
                vs_matten_8_per_s=32 / step / 8,
            )
            rows.append(row)
            print(
                f"{name:15s} compiled={compiled!s:5s} {row['parameters']:8,d} params  "
                f"{row['steps_per_s']:.2f} steps/s  "
                f"{row['structures_per_s']:.1f} structures/s  (x{row['vs_matten_8_per_s']:.1f} MatTen's 8/s)",
                flush=True,
            )
    out = Path(__file__).parent / "results" / "train_step.jsonl"
    with out.open("a") as f:
        f.write(json.dumps(dict(commit=commit, date=time.strftime("%Y-%m-%d"), threads=2, rows=rows)) + "\n")


if __name__ == "__main__":
    main()
