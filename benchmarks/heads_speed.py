"""The heads of a shipped model one after the other against `heads_at_once` (07a_backbone), on the same features.

For each shipped backbone model given (default: dielectric, whose 20 heads pool at two points, and elastic, whose
heads are ShellHeads), computes the float64 backbone features of its first N test crystals once, then times the
heads alone, in the groups that run together (`head_groups`): a Python loop over the heads, as
`BackboneModel.members` ran them before, against `heads_at_once` (median of ROUNDS calls each, interleaved), and the
largest difference of their outputs relative to the largest output. Appends a row per model to
benchmarks/results/heads_speed.jsonl.

    python benchmarks/heads_speed.py [--n 16] [--tasks dielectric,elastic]
"""

import argparse
import time

import numpy as np
import torch

from record import append_row, git_commit, machine, split_records
from tensor_nb.backbone import batch_graphs, batch_orbits, crystal_scalars, head_groups, heads_at_once
from tensor_nb.backbone import inverted_features, sevennet_graph, with_shells
from tensor_nb.models import to_dtype
from tensor_nb.prediction import get_model
from tensor_nb.symmetry import exact_symmetric

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
        structures = [exact_symmetric(r.structure) for r in split_records(task, "test")[: args.n]]
        blocks = model._blocks_in(torch.float64)
        g = batch_graphs([sevennet_graph(s, blocks.type_map, blocks.cutoff) for s in structures])
        with torch.no_grad():
            x = blocks(g, orbits=batch_orbits(structures))
            x_inv = inverted_features(blocks, structures, x)
            if model.shells:
                x, x_inv = with_shells(x, x_inv, structures)
            n = len(structures)
            inputs = (torch.cat([x, x_inv]), torch.cat([g["batch"], g["batch"] + n]), 2 * n,
                      torch.cat([crystal_scalars(structures)] * 2))
            row = {"task": task, "n": n, "heads": len(model.heads), "threads": args.threads, "commit": git_commit(),
                   **machine(), "groups": []}
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
