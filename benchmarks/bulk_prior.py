"""The bulk-modulus prior (07c_potential) on a trained elastic model: validation and test metrics without and with it.

Fits the blend weight on the validation crystals (as `train(..., bulk_prior=True)` does, by the mean component MAE;
`--by k_vrh`: by the K_VRH MAE) and reports both splits beside the trivial predictors; appends a row to
benchmarks/results/bulk_prior.jsonl.

    python benchmarks/bulk_prior.py tensor_nb/assets/elastic.pt [--by k_vrh] [--clamped] [--ship]

--clamped: the clamped-ion bulk modulus of the potential instead of the relaxed-ion one (07c_potential).

--ship writes the fitted prior into the model file and its test metrics and prior into the model card beside it.
"""

import argparse
import sys
import time

import torch

from record import append_row, data_hash, git_commit
from ship_models import bulk_prior_note, compare, elastic_model_inputs, reship
from tensor_nb.potential import BULK_METRICS
from tensor_nb.train import fit_bulk_prior


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a model.pt of an elastic task")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--by", default="component", choices=list(BULK_METRICS), help="what the weight minimises")
    parser.add_argument("--clamped", action="store_true", help="clamped-ion bulk moduli (07c_potential)")
    parser.add_argument("--ship", action="store_true", help="write the prior into the model file and its card")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded, data, _, inputs, rows = elastic_model_inputs(args.model)
    meta = loaded.meta
    tr, va, te = rows["train"], rows["val"], rows["test"]
    t0 = time.time()
    prior = fit_bulk_prior(loaded.model, inputs, data, loaded.scaler, va, progress=True, by=args.by,
                           relaxed=not args.clamped)
    row = {"model": args.model, "task": meta["task"], "commit": git_commit(), "data_sha256_16": data_hash(meta["task"]),
           "command": " ".join(sys.argv), "bulk_prior": prior, "selected_by": f"validation {BULK_METRICS[args.by]}"}
    m = compare(loaded, inputs, data, {"val": va, "test": te}, tr,
                {"without": (None, loaded.meta), "with": (prior, loaded.meta)}, row)
    row["wall_s"] = round(time.time() - t0)
    append_row("bulk_prior.jsonl", row)
    if args.ship:
        reship(args.model, loaded, {**meta, "bulk_prior": prior}, m, bulk_prior=bulk_prior_note(prior))


if __name__ == "__main__":
    main()
