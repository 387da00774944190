"""Benchmark tensor_nb.graphs.crystal_graph against a plain per-site pymatgen get_neighbors loop.

Both build the 12-nearest-neighbour (whole shells) graph within 8 A for the structures of the
elastic snapshot, single process; prints structures/s and appends to benchmarks/results/graphs.jsonl.

    python benchmarks/graphs.py [--limit N]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from record import git_commit
from tensor_nb.data import load_snapshot, record_structure
from tensor_nb.graphs import crystal_graph


def per_site_loop(structure, cutoff: float = 8.0, max_neighbors: int = 12, shell_tol: float = 1e-2) -> list:
    "The plain way: one get_neighbors call per site, sorted, capped with whole shells."
    edges = []
    for i, site in enumerate(structure):
        nbrs = sorted(structure.get_neighbors(site, cutoff), key=lambda n: n.nn_distance)
        if len(nbrs) >= max_neighbors:
            limit = nbrs[max_neighbors - 1].nn_distance + shell_tol
            nbrs = [n for n in nbrs if n.nn_distance <= limit]
        edges += [(i, n.index, n.coords - site.coords) for n in nbrs]
    return edges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N structures only")
    args = parser.parse_args()
    structures = [record_structure(r) for r in load_snapshot("mp_elastic")[: args.limit]]
    t0 = time.perf_counter()
    graphs = [crystal_graph(s) for s in structures]
    t_ours = time.perf_counter() - t0
    sample = structures[:: max(1, len(structures) // 200)]
    t0 = time.perf_counter()
    loop_edges = [per_site_loop(s) for s in sample]
    t_loop = (time.perf_counter() - t0) * len(structures) / len(sample)
    same = all(len(e) == crystal_graph(s).num_edges for e, s in zip(loop_edges, sample))
    row = dict(
        structures=len(structures),
        sites_median=float(np.median([len(s) for s in structures])),
        ours_per_s=len(structures) / t_ours,
        loop_per_s=len(structures) / t_loop,
        speedup=t_loop / t_ours,
        same_edge_counts=same,
        edges_median=float(np.median([g.num_edges for g in graphs])),
    )
    print(
        f"crystal_graph: {row['ours_per_s']:.0f} structures/s; "
        f"per-site get_neighbors loop: {row['loop_per_s']:.0f} structures/s "
        f"(x{row['speedup']:.1f}, measured on {len(sample)}); same edge counts: {same}"
    )
    commit = git_commit()
    out = Path(__file__).parent / "results" / "graphs.jsonl"
    with out.open("a") as f:
        f.write(json.dumps(dict(commit=commit, date=time.strftime("%Y-%m-%d"), **row)) + "\n")


if __name__ == "__main__":
    main()
