"""Benchmark tensor_nb.decompose.to_irreps against e3nn CartesianTensor.from_cartesian (cached rtp).

Same process, same threads (2), the methods interleaved round by round, torch input in float64 and float32, 100,000
random tensors per kind that obey the kind's index symmetry. Prints rates, ratios and the round-trip error, and
appends a JSON line to benchmarks/results/decompose.jsonl.

In each round every method runs `--burst` times in a row and the last call is timed. torch's OpenMP threads keep
spinning for a while after each of its operations and numba's kernel threads are a second pool: timed right after
e3nn's product (`--burst 1`), the kernel competes with them for the two cores (float32 piezoelectric: 0.90 ms
instead of 0.69 ms), which measures the two pools' interplay rather than either method.

Beside them, the memory floor: a copy of the first (number of coefficients) entries of every tensor into a new
array, which reads each tensor and writes as much as any decomposition must. No method runs faster than it.

    python benchmarks/decompose.py [--n 100000] [--repeats 20] [--burst 3] [--dtypes float64,float32] [--kinds elastic]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from e3nn.io import CartesianTensor
from e3nn.o3 import Irreps

from record import git_commit, machine
from tensor_nb.decompose import formula_of, from_irreps, irreps, rank_of, symmetry_projector, to_irreps


def median_seconds(fns: list, repeats: int, burst: int = 1) -> list[float]:
    """Median wall time of each fn() over `repeats` rounds, after two warm-up rounds. Each round calls every fn in
    turn (`burst` times, timing the last call), so a slow spell of a shared machine costs all of them alike and
    leaves the ratios unbiased."""
    times = [[] for _ in fns]
    for round_ in range(repeats + 2):
        for fn, t in zip(fns, times):
            for _ in range(burst - 1):
                fn()
            t0 = time.perf_counter()
            fn()
            if round_ >= 2:
                t.append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--kinds", default="dielectric,piezoelectric,elastic")
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    rows = []
    for dtype in args.dtypes.split(","):
        for kind in args.kinds.split(","):
            n = rank_of(kind)
            T = rng.normal(size=(args.n, 3**n)) @ symmetry_projector(formula_of(kind))
            T = torch.from_numpy(T).to(getattr(torch, dtype)).reshape(args.n, *(3,) * n)
            ct = CartesianTensor(formula_of(kind))
            rtp = ct.reduced_tensor_products().to(T.dtype)
            flat, dim = T.reshape(args.n, -1), Irreps(irreps(kind)).dim
            calls = [lambda: ct.from_cartesian(T, rtp), lambda: to_irreps(T, kind),
                     lambda: to_irreps(T, kind, strict=False), lambda: flat[:, :dim].clone()]
            t_e3nn, t_strict, t_project, t_floor = median_seconds(calls, args.repeats, args.burst)
            round_trip = float((from_irreps(to_irreps(T, kind), kind) - T).abs().max())
            row = dict(
                kind=kind,
                dtype=dtype,
                n=args.n,
                e3nn_per_s=args.n / t_e3nn,
                ours_strict_per_s=args.n / t_strict,
                ours_projecting_per_s=args.n / t_project,
                ratio_strict=t_e3nn / t_strict,
                ratio_projecting=t_e3nn / t_project,
                memory_floor_per_s=args.n / t_floor,
                round_trip_max_abs=round_trip,
            )
            rows.append(row)
            print(
                f"{kind:14s} {dtype} e3nn {row['e3nn_per_s']:.3g}/s  to_irreps {row['ours_strict_per_s']:.3g}/s "
                f"(x{row['ratio_strict']:.2f}, index symmetry checked)  strict=False "
                f"{row['ours_projecting_per_s']:.3g}/s (x{row['ratio_projecting']:.2f})  memory floor "
                f"{row['memory_floor_per_s']:.3g}/s  round trip {round_trip:.1e}"
            )
    commit = git_commit()
    out = Path(__file__).parent / "results" / "decompose.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as f:
        record = dict(commit=commit, date=time.strftime("%Y-%m-%d"), threads=2, burst=args.burst, **machine(),
                      rows=rows)
        f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
