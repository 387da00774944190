"""The bulk-modulus prior (07c_potential) on a trained elastic model: validation and test metrics without and with it.

Fits the blend weight on the validation crystals (as `train(..., bulk_prior=True)` does, by the mean component MAE;
`--by k_vrh`: by the K_VRH MAE) and reports both splits beside the trivial predictors; appends a row to
benchmarks/results/bulk_prior.jsonl.

    python benchmarks/bulk_prior.py tensor_nb/assets/elastic.pt [--by k_vrh] [--ship]

--ship writes the fitted prior into the model file and its test metrics and prior into the model card beside it.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from record import append_row, data_hash, git_commit
from ship_models import TEST_KEYS, bulk_prior_note
from tensor_nb.checkpoint import load_model, save_model
from tensor_nb.potential import BULK_METRICS
from tensor_nb.train import TrainConfig, evaluate, fit_bulk_prior, model_inputs, task_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a model.pt of an elastic task")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--by", default="component", choices=list(BULK_METRICS), help="what the weight minimises")
    parser.add_argument("--ship", action="store_true", help="write the prior into the model file and its card")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_model(args.model)
    meta = loaded.meta
    data = task_data(meta["task"], progress=False)
    cfg = TrainConfig(task=meta["task"], model=meta["model_name"], model_kw=meta["model_kw"], graph=meta["graph"])
    inputs = model_inputs(cfg, data, loaded.model, progress=True)
    idx = {m: i for i, m in enumerate(data.ids)}
    tr, va, te = ([idx[m] for m in data.splits[s]] for s in ("train", "val", "test"))
    t0 = time.time()
    prior = fit_bulk_prior(loaded.model, inputs, data, loaded.scaler, va, progress=True, by=args.by)
    row = {"model": args.model, "task": meta["task"], "commit": git_commit(), "data_sha256_16": data_hash(meta["task"]),
           "command": " ".join(sys.argv), "bulk_prior": prior, "selected_by": f"validation {BULK_METRICS[args.by]}"}
    for name, p in (("without", None), ("with", prior)):
        for split, rows in (("val", va), ("test", te)):
            m, base = evaluate(loaded.model, inputs, data, loaded.scaler, rows, tr, p, loaded.meta)
            row[f"{split}_{name}"] = {k: m[k] for k in ("mean_component_mae", "k_vrh_mae", "g_vrh_mae", "fnorm")}
            print(f"{split:4s} {name:7s} prior: MAE {m['mean_component_mae']:.4g}  K {m['k_vrh_mae']:.4g}  "
                  f"G {m['g_vrh_mae']:.4g}  (mean predictor {base['mean']['mean_component_mae']:.4g})", flush=True)
    row["wall_s"] = round(time.time() - t0)
    append_row("bulk_prior.jsonl", row)
    if args.ship:
        keep = {k: v for k, v in meta.items() if k not in ("format", "num_elements")}  # save_model writes them
        save_model(args.model, loaded.model, loaded.scaler, {**keep, "bulk_prior": prior})
        card_path = Path(args.model).with_suffix(".json")
        card = json.loads(card_path.read_text())
        card["test"] = {k: m[k] for k in TEST_KEYS if k in m}  # m: the last evaluation, test with the prior
        card["bulk_prior"] = bulk_prior_note(prior)
        card["date"] = time.strftime("%Y-%m-%d")
        card_path.write_text(json.dumps(card, indent=1) + "\n")
        print(f"shipped: {args.model} and {card_path.name} with weight {prior['weight']:g}")


if __name__ == "__main__":
    main()
