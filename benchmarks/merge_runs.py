"""Merge the heads of finished backbone runs that differ only in their seed into one ensemble run folder.

Each head of a multi-head run learns from its own loss, so the heads of runs with other seeds (other
initialisations and batch orders) are members of the same kind of ensemble. The merged model.pt holds all of them;
an elastic bulk prior is fitted again on the validation split; results.json is written as `train` writes it, and a
row is appended to benchmarks/results/backbone.jsonl (wall time: the sum of the runs' training times).

    python benchmarks/merge_runs.py OUT RUN RUN [RUN ...]
"""

import argparse
import json
import time
from pathlib import Path

import torch

from record import append_row, run_row, test_line
from ship_models import same_settings
from tensor_nb.checkpoint import merge_models, save_model
from tensor_nb.train import TrainConfig, evaluate, fit_bulk_prior, model_inputs, task_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="new run folder")
    parser.add_argument("runs", nargs="+", help="finished run folders (results.json and model.pt)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    results = [json.loads((Path(r) / "results.json").read_text()) for r in args.runs]
    if not all(same_settings(r["config"], results[0]["config"]) for r in results):
        raise SystemExit("merge_runs: the runs differ in more than their seed")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    merged = merge_models([Path(r) / "model.pt" for r in args.runs], out / "model.pt")
    model, scaler, meta = merged.model, merged.scaler, dict(merged.meta)
    config = TrainConfig(**{**results[0]["config"], "model_kw": meta["model_kw"]})
    data = task_data(config.task, progress=False)
    inputs = model_inputs(config, data, model, progress=False)
    idx = {m: i for i, m in enumerate(data.ids)}
    tr, va, te = ([idx[m] for m in data.splits[s]] for s in ("train", "val", "test"))
    prior = fit_bulk_prior(model, inputs, data, scaler, va) if config.bulk_prior else None
    (val, _), (test, baselines) = (evaluate(model, inputs, data, scaler, rows, tr, prior, meta)
                                   for rows in (va, te))
    meta.pop("bulk_prior", None)
    res = {**results[0], "config": {**results[0]["config"], "model_kw": meta["model_kw"]}, "val": val, "test": test,
           "baselines": baselines, "bulk_prior": prior, "merged_from": [str(r) for r in args.runs],
           "parameters": sum(p.numel() for p in model.parameters()),
           "train_time_s": sum(r.get("train_time_s", 0.0) for r in results), "history": []}
    save_model(out / "model.pt", model, scaler, {**meta, **({"bulk_prior": prior} if prior else {})})
    (out / "results.json").write_text(json.dumps(res, indent=1))
    append_row("backbone.jsonl", run_row(res, out, t0, task=config.task, model=config.model, mode="freeze",
                                         fraction=config.train_fraction, seed=results[0]["config"]["seed"]))
    extra = f"  K {test['k_vrh_mae']:.3g}  G {test['g_vrh_mae']:.3g}" if "k_vrh_mae" in test else ""
    print(f"{config.task}: {len(model.heads)} heads, val {val['mean_component_mae']:.4g}, {test_line(res)}{extra}")


if __name__ == "__main__":
    main()
