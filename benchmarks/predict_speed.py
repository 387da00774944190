"""End-to-end speed of `tensor_nb.predict`: structures per second, with and without symmetrisation, float64 and float32.

Reads N structures of a task's test split (the elastic set by default), then times `predict` for every shipped
model (backbone models) and for graph-model files given with --model-path (no backbone), on the same structures,
after one warm-up call per dtype; spglib's cached symmetry is cleared before each timing, and each timing starts
from an empty disk cache (TENSOR_NB_CACHE), so that what `predict` caches (the elastic model's bulk prior) is
computed as for crystals never seen before; `per_s_cached` repeats the float64 timing with the cache kept. Also
records the largest deviation of the float32 answer from the float64 one, relative to each crystal's largest
component (at least 1 % of the largest in the set). For a model with a bulk-modulus prior (elastic), also the cold
timings with `bulk_prior=False`; with --ionic, for a shipped model with an ionic blend (dielectric), the cold timing
of `predict(..., ionic=True)` on the first IONIC_N structures (the force constants take seconds per crystal).
Appends a row per model to benchmarks/results/predict_speed.jsonl.

    python benchmarks/predict_speed.py [--n 200] [--shipped elastic,dielectric] [--model-path ../runs/x/model.pt ...]
                                       [--ionic]
"""

import argparse
import json
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from record import git_commit, machine
from tensor_nb.checkpoint import load_model
from tensor_nb.data import dataset_splits, load_task
from tensor_nb.cards import shipped_models
from tensor_nb.prediction import predict
from tensor_nb.symmetry import _CELL_OPERATIONS

IONIC_N = 30
"Structures timed with `ionic=True` (--ionic)."


@contextmanager
def empty_cache():
    "TENSOR_NB_CACHE pointed at a new empty folder for the duration, then restored."
    before = os.environ.get("TENSOR_NB_CACHE")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TENSOR_NB_CACHE"] = folder
        try:
            yield
        finally:
            if before is None:
                del os.environ["TENSOR_NB_CACHE"]
            else:
                os.environ["TENSOR_NB_CACHE"] = before


def rate(structures: list, task: str, **kw) -> tuple[float, object]:
    "(structures per second, answer) of one `predict` call, after clearing spglib's cached symmetry."
    _CELL_OPERATIONS.clear()  # every timing finds the symmetry of structures it has not seen
    t0 = time.perf_counter()
    answer = predict(structures, task, progress=False, **kw)
    return len(structures) / (time.perf_counter() - t0), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--task", default="elastic", help="whose test structures to predict")
    parser.add_argument("--model-path", nargs="*", default=[])
    parser.add_argument("--shipped", default="", help="comma-separated shipped models to time (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ionic", action="store_true", help="also time ionic=True (models with an ionic blend)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    commit = git_commit()
    ds = load_task(args.task, progress=False)
    test = set(dataset_splits(ds)["test"])
    structures = [r.structure for r in ds.records if r.material_id in test][: args.n]
    atoms = sum(len(s) for s in structures) / len(structures)
    out = Path(__file__).parent / "results" / "predict_speed.jsonl"
    shipped = [t for t in shipped_models() if not args.shipped or t in args.shipped.split(",")]
    runs = [(task, None) for task in shipped] + [(load_model(p).meta["task"], p) for p in args.model_path]
    for task, path in runs:
        for dtype in (torch.float64, torch.float32):  # warm-up: model load, compilation, each dtype's blocks
            predict(structures[:2], task, model_path=path, dtype=dtype)
        row = {
            "task": task,
            "model": load_model(path).meta["model_name"] if path else shipped_models()[task]["model"],
            "backbone": (
                bool(load_model(path).meta.get("backbone")) if path else bool(shipped_models()[task].get("backbone"))
            ),
            "structures": f"{args.task} test split",
            "n": len(structures),
            "mean_atoms": atoms,
            "threads": args.threads,
            "commit": commit,
            **machine(),
        }
        answers = {}
        has_prior = (load_model(path).meta if path else shipped_models()[task]).get("bulk_prior")
        for dtype, suffix in ((torch.float64, ""), (torch.float32, "_float32")):
            for symmetrize in (True, False):
                with empty_cache():  # crystals never seen before
                    key = ("per_s" if symmetrize else "per_s_unsymmetrised") + suffix
                    row[key], answers[dtype, symmetrize] = rate(structures, task, model_path=path, dtype=dtype,
                                                                symmetrize=symmetrize)
                    if dtype == torch.float64 and symmetrize:  # the same crystals again, their cached values kept
                        row["per_s_cached"] = rate(structures, task, model_path=path)[0]
            if has_prior:
                with empty_cache():
                    row["per_s_no_bulk_prior" + suffix] = rate(structures, task, model_path=path, dtype=dtype,
                                                               bulk_prior=False)[0]
        if args.ionic and path is None and shipped_models()[task].get("ionic"):
            with empty_cache():
                row["per_s_ionic"] = rate(structures[:IONIC_N], task, ionic=True)[0]
                row["n_ionic"] = min(IONIC_N, len(structures))
        pairs = list(zip(answers[torch.float64, True], answers[torch.float32, True]))
        floor = 0.01 * max(np.abs(a64).max() for a64, _ in pairs)  # tensors (nearly) zero by symmetry: rounding
        row["float32_deviation"] = max(  # largest |float32 - float64| over a crystal's largest float64 component
            float(np.abs(np.asarray(a32) - a64).max() / max(np.abs(a64).max(), floor)) for a64, a32 in pairs)
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
