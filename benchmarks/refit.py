"""Refit a shipped model, and the part models trained beside it, on the training and validation crystals.

Every choice behind a shipped model (the run, the mix with its parts, the ionic blend) is made on the validation
split first (ship_models.py, dielectric_parts.py, ionic_response.py). This last step retrains each of the model's
own networks with the same settings on the training and validation crystals together, for its run's best epoch + 1
(`refit_epochs`, 08_train), and reports the test split before and after with the chosen weights unchanged; parts
that are other shipped models (electronic_dielectric) stay as they are; a merged model (several runs' heads,
ship_models.py) is refit run by run and merged again. Appends a row to
benchmarks/results/refit.jsonl. With --ship, the refit files replace the shipped ones and the card gets their test
figures and a `refit` entry (`training`); run the pipeline again from ship_models.py before choosing anything new,
since a refit model has seen the validation crystals. Resumable: rerun the same command.

    python benchmarks/refit.py --task electronic_dielectric --ship   # ~8 min on 2 cores; born_charges ~20 min
    python benchmarks/refit.py --task dielectric [--runs ../runs/dielectric_parts] [--ship]   # ~15 min

Refit the models that dielectric reads first (electronic_dielectric, born_charges): its test figures use them.
Elastic is refused: its bulk prior's weight is chosen on the validation crystals.
--runs is where dielectric_parts.py trained the parts; each refit goes into its source run's folder + "_refit".
"""

import argparse
import json
import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from dielectric_parts import part_run, register_parts
from record import append_row, git_commit, split_records
from ship_models import TEST_KEYS, card_baselines, merged_model
from summarize import latest_per_run, rows as result_rows
from tensor_nb.cards import ASSETS, shipped_models
from tensor_nb.checkpoint import load_model
from tensor_nb.errors import SettingError, check_name
from tensor_nb.metrics import tensor_metrics
from tensor_nb.potential import ionic_dielectric
from tensor_nb.prediction import _part_tensors, predict
from tensor_nb.train import TrainConfig, train


def refit(before: dict) -> tuple[dict, Path]:
    """(results of the refit, its folder) of a run from its results `before` (results.json or its recorded row): the
    same settings trained on training + validation crystals for its best epoch + 1, in its folder + "_refit"."""
    if before.get("validation_in_training"):
        raise SettingError(f"{before['run_dir']} is a refit already")
    source = Path(before["run_dir"])
    out = source.with_name(source.name + "_refit")
    cfg = TrainConfig(**{**before["config"], "refit_epochs": before["best_epoch"] + 1})
    return train(cfg, out, progress=True), out


def model_runs(card: dict) -> list[dict]:
    "The recorded rows of a card's model: the newest run with its training config, or with each of a merged model's."
    rows = latest_per_run(result_rows("blind.jsonl") + result_rows("backbone.jsonl"))
    configs = [m["config"] for m in card["training"].get("merged", [])] or [card["training"]["config"]]
    if missing := [c for c in configs if not any(r.get("config") == c for r in rows)]:
        raise SettingError(f"no recorded run has the {card['task']} card's training config {missing[0]}")
    return [[r for r in rows if r.get("config") == c][-1] for c in configs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="dielectric", help="a task with a shipped model")
    parser.add_argument("--runs", default=str(Path(__file__).resolve().parents[2] / "runs" / "dielectric_parts"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ship", action="store_true", help="ship the refit models and their test figures")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # the out-of-domain notes of the predictions below
    card = shipped_models()[check_name(args.task, "task", shipped_models())]
    befores = model_runs(card)
    refits = [refit(b) for b in befores]
    (after, out), before = refits[0], befores[0]
    files, epochs = {"model": (out / "model.pt", f"{args.task}.pt")}, {"model": after["config"]["refit_epochs"]}
    if len(refits) > 1:  # a merged model (ship_models.py): the refit runs merged the same way
        before = {**before, "test": merged_model(args.task, [Path(b["run_dir"]) / "model.pt" for b in befores],
                                                 out / "merged_before.pt")[1]}
        after = {**after, "test": merged_model(args.task, [o / "model.pt" for _, o in refits], out / "merged.pt")[1]}
        files["model"], epochs["model"] = (out / "merged.pt", f"{args.task}.pt"), [
            a["config"]["refit_epochs"] for a, _ in refits]
    row = {"task": args.task, "commit": git_commit(), "date": time.strftime("%Y-%m-%d"),
           "n_train": {"before": before["n_train"], "refit": after["n_train"]},
           "test": {"model alone": {"before": before["test"]["mean_component_mae"],
                                    "refit": after["test"]["mean_component_mae"]}}}
    test = after["test"]
    if parts := card.get("parts"):
        register_parts()
        for p in parts["models"]:
            if p["file"].startswith(f"{args.task}_"):  # a part trained for this model, not another shipped model
                run = part_run(args.runs, p["part"])[1]
                b = {**json.loads((run / "results.json").read_text()), "run_dir": str(run)}
                a, o = refit(b)
                files[p["part"]], epochs[p["part"]] = (o / "model.pt", p["file"]), a["config"]["refit_epochs"]
                row["test"][f"{p['part']} part"] = {"before": b["test"]["mean_component_mae"],
                                                    "refit": a["test"]["mean_component_mae"],
                                                    "n_train": {"before": b["n_train"], "refit": a["n_train"]}}
        test = mixed_test(card, files, row)
    row["epochs"] = epochs
    append_row("refit.jsonl", row)
    print(json.dumps(row, indent=1), flush=True)
    if args.ship:
        ship(card, files, test, row, after["n_train"], after["baselines"])


def mixed_test(card: dict, files: dict, row: dict) -> dict:
    """Test metrics of the dielectric mix (and, into `row`, of its ionic blend) with the refit files, the card's
    weights unchanged: as `predict` mixes (11_prediction)."""
    records = split_records(card["task"], "test")
    S, truth = [r.structure for r in records], np.stack([r.tensor for r in records])
    refit_of = {part: path for part, (path, _) in files.items()}
    model = predict(S, card["task"], model_path=refit_of["model"], progress=False)
    total, eps_inf = 0.0, None
    for p in card["parts"]["models"]:
        if p["part"] in refit_of:
            tensors = predict(S, f"{card['task']}_{p['part']}_part", model_path=refit_of[p["part"]], progress=False)
        else:  # another shipped model, named by its file
            tensors = predict(S, p["file"].removesuffix(".pt"), progress=False)
        if p["part"] == "electronic":
            eps_inf = tensors
        total = total + _part_tensors(tensors, p["shift"], card["kind"])
    w = card["parts"]["weight"]
    mix = (1 - w) * model + w * total
    metrics = tensor_metrics(mix, truth, card["kind"])
    shipped = card["training"].get("refit", {}).get("test_before", {})  # a rerun after --ship: the figures before
    row["test"]["mix"] = {"before": shipped.get("mix", card["parts"]["test"]["mix"]),
                          "refit": metrics["mean_component_mae"]}
    if blend := card.get("ionic"):
        physics = (eps_inf, predict(S, "born_charges", progress=False), S, blend["weight"], blend["floor_eV_per_A2"],
                   blend["potential"])
        blended = ionic_dielectric(mix, *physics)[0]
        row["test"]["ionic blend"] = {"before": shipped.get("ionic blend", blend["test"]["blend"]),
                                      "refit": tensor_metrics(blended, truth, card["kind"])["mean_component_mae"]}
    return metrics


def ship(card: dict, files: dict, test: dict, row: dict, n_train: int, baselines: dict) -> None:
    "Copy the refit files over the shipped ones and write their test figures and the refit into the card."
    for path, name in files.values():
        shutil.copyfile(path, ASSETS / name)
    card["test"] = {k: test[k] for k in TEST_KEYS if k in test}
    card["baselines"] = card_baselines(baselines)  # the training mean now of the training + validation crystals
    card["data"]["n_train"] = n_train
    card["domain"]["elements"] = len(load_model(files["model"][0]).meta["domain"]["elements"])  # train + val now
    card["training"]["refit"] = {
        "what": "the chosen settings trained again on the training and validation crystals together for each chosen "
                "run's best epoch + 1 (08_train); every choice was made before, on validation figures of the runs "
                "without refit (those above)", "epochs": row["epochs"], "commit": row["commit"],
        "test_before": {k: v["before"] for k, v in row["test"].items()}}
    if "parts" in card:
        card["parts"]["test"] = {"mix": row["test"]["mix"]["refit"], "model_alone": row["test"]["model alone"]["refit"]}
    if "ionic" in card:
        card["ionic"]["test"].update(blend=row["test"]["ionic blend"]["refit"],
                                     shipped_model=row["test"]["mix"]["refit"],
                                     mean=baselines["mean"]["mean_component_mae"])
    card["date"] = time.strftime("%Y-%m-%d")
    (ASSETS / f"{card['task']}.json").write_text(json.dumps(card, indent=1) + "\n")
    print(f"shipped the refit {card['task']} model: test {test['mean_component_mae']:.4g}")


if __name__ == "__main__":
    main()
