"""The heads of a shipped model one after the other against `heads_at_once` (07a_backbone), on the same features.

For each shipped backbone model given (default: dielectric, whose 20 heads pool at two points, and elastic, whose
heads are ShellHeads), takes the heads' inputs from one float64 `forward_structures` of its first N test crystals
(caught on their way into `heads_at_once`), then times the heads alone, in the groups that run together
(`head_groups`): a Python loop over the heads, as `BackboneModel.members` ran them before, against `heads_at_once`
(median of ROUNDS calls each, interleaved), and the largest difference of their outputs relative to the largest
output. Appends a row per model to benchmarks/results/heads_speed.jsonl.

    python benchmarks/heads_speed.py [--n 16] [--tasks dielectric,elastic]
"""

import argparse
import time

import numpy as np
import torch

import tensor_nb.backbone
from record import append_row, git_commit, machine, split_records
from tensor_nb.backbone import head_groups, heads_at_once
from tensor_nb.models import to_dtype
from tensor_nb.prediction import get_model

ROUNDS = 7
"Timed calls per variant and group (their median is kept), after one warm-up call each."


def median_ms(fn) -> float:
    "Median wall time of ROUNDS calls of fn, in ms, after a warm-up call."
    fn()
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="test crystals (predict's default batch size: 16)")
    parser.add_argument("--tasks", default="dielectric,elastic")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for task in args.tasks.split(","):
        model = to_dtype(get_model(task).model, torch.float64)
        structures = [r.structure for r in split_records(task, "test")[: args.n]]
        caught = []
        tensor_nb.backbone.heads_at_once = lambda heads, *inputs: caught.append(inputs) or heads_at_once(heads, *inputs)
        try:
            with torch.no_grad():
                model.forward_structures(structures)
        finally:
            tensor_nb.backbone.heads_at_once = heads_at_once
        (inputs,) = caught
        row = {"task": task, "n": len(structures), "heads": len(model.heads), "threads": args.threads,
               "commit": git_commit(), **machine(), "groups": []}
        with torch.no_grad():
            for members in head_groups(model.heads):
                heads = [model.heads[i] for i in members]
                loop = torch.stack([h(*inputs) for h in heads])
                together = torch.stack(heads_at_once(heads, *inputs))
                row["groups"].append({
                    "pool_late": getattr(heads[0], "pool_late", None), "heads": len(heads),
                    "loop_ms": median_ms(lambda: [h(*inputs) for h in heads]),
                    "at_once_ms": median_ms(lambda: heads_at_once(heads, *inputs)),
                    "max_rel_diff": float((together - loop).abs().max() / loop.abs().max())})
        append_row("heads_speed.jsonl", row)
        print(row, flush=True)


if __name__ == "__main__":
    main()
