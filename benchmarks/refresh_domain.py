"""Recompute the training domain (out-of-domain warnings) of full-data backbone model files with today's rule.

For each run folder: rebuilds the task's splits and cached backbone features, replaces the `domain` of
<run>/model.pt by `tensor_nb.train.training_domain` (threshold from the validation crystals) and reports which share
of the test crystals the old and the new domain call far from the training crystals. Appends a row per run to
benchmarks/results/domain.jsonl. Ship again afterwards (`python benchmarks/ship_models.py`).

    python benchmarks/refresh_domain.py /work/runs/backbone/<run> [...]
"""

import argparse
import json
from pathlib import Path

import torch

from record import git_commit
from tensor_nb.checkpoint import load_model, save_model
from tensor_nb.prediction import mahalanobis
from tensor_nb.train import BackboneInputs, feature_summaries, task_data, training_domain


def far_share(domain: dict, Z) -> float:
    "Share of summary rows Z farther than the domain's threshold."
    return float((mahalanobis(Z, domain) > domain["distance_p99"]).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(__file__).parent / "results" / "domain.jsonl"
    for run in args.runs:
        path = Path(run) / "model.pt"
        loaded = load_model(path)
        meta = dict(loaded.meta)
        data = task_data(meta["task"], progress=False)
        idx = {m: i for i, m in enumerate(data.ids)}
        tr, va, te = ([idx[m] for m in data.splits[k]] for k in ("train", "val", "test"))
        inputs = BackboneInputs(data.structures, meta["backbone"], progress=True)
        Z_test = feature_summaries(inputs, te)
        old = meta["domain"]
        new = training_domain(meta["backbone"], data, inputs, tr, va)
        row = {"run": Path(run).name, "task": meta["task"], "backbone": meta["backbone"], "n_test": len(te),
               "old_threshold": old["distance_p99"], "old_far_test": far_share(old, Z_test),
               "new_threshold": new["distance_p99"], "new_far_test": far_share(new, Z_test), "commit": git_commit()}
        save_model(path, loaded.model, loaded.scaler, {**meta, "domain": {**old, **new}})
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
