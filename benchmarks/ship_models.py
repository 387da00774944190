"""Ship the best equivariant run of each task inside the package, with a model card.

"Best" is the lowest validation mean component MAE (never the test split) among the runs recorded in
benchmarks/results/blind.jsonl and backbone.jsonl that carry validation metrics, restricted to E(3)-equivariant models
(the invariant CGCNN/CHGCNN stay baselines). Copies <run>/model.pt to tensor_nb/assets/<task>.pt and writes
tensor_nb/assets/<task>.json. Only full-data runs (training fraction 1) are shipped, and for permittivities
(dielectric kind) only runs that learn log(eps - 1), whose every principal value lies above the vacuum's 1.
Where a task's settings were cross-validated (benchmarks/results/cv.jsonl), the settings come from there instead: those
with the lowest k-fold mean component MAE, one setting or an equal mean of several (`cv.py --combine`); then each
setting's run with the lowest validation MAE, and the runs of several merged into one file (`merge_models`).

    python benchmarks/ship_models.py [--tasks elastic,dielectric]
"""

import argparse
import json
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from record import split_records
from summarize import latest_per_run, rows as result_rows, run_name
from tensor_nb.backbone import BACKBONES
from tensor_nb.checkpoint import load_model, merge_models, save_model
from tensor_nb.conventions import tensor_kind
from tensor_nb.data import get_task
from tensor_nb.errors import ModelFileError
from tensor_nb.metrics import tensor_metrics
from tensor_nb.models import EQUIVARIANT_MODELS
from tensor_nb.prediction import predict
from tensor_nb.spd import SPD_FLOOR
from tensor_nb.structures import VACUUM_GAP
from tensor_nb.train import TrainConfig, evaluate, model_inputs, task_data

ROOT = Path(__file__).resolve().parents[1]
TEST_KEYS = (
    "mean_component_mae",
    "component_mae",
    "fnorm",
    "ewt_25",
    "ewt_10",
    "ewt_5",
    "k_vrh_mae",
    "g_vrh_mae",
    "share_unstable",
    "n",
)


def bulk_prior_note(prior: dict | None) -> str:
    "The model card's sentence on an elastic model's bulk prior ('' without one)."
    if not prior:
        return ""
    by = {"component": "mean component", "k_vrh": "K_VRH"}[prior.get("by", "component")]
    ions = "relaxed" if prior.get("relaxed") else "clamped"
    return (f"the Voigt bulk modulus blended with the {ions}-ion bulk modulus of {prior['potential']} (weight "
            f"{prior['weight']:g}, chosen on the validation crystals by the {by} MAE; 07c_potential)")


def elastic_model_inputs(path: str, backbone: bool = False) -> tuple:
    """(loaded model, task data, training config, model inputs, {split: rows}) of an elastic model file (on a backbone
    if `backbone`); exits with one line for any other."""
    loaded = load_model(path)
    meta = loaded.meta
    if meta["kind"] != "elastic" or (backbone and not meta.get("backbone")):
        sys.exit(f"error: {path} is not an elastic model{' on a backbone' if backbone else ''}")
    data = task_data(meta["task"], progress=False)
    cfg = TrainConfig(task=meta["task"], model=meta["model_name"], model_kw=meta["model_kw"], graph=meta["graph"])
    idx = {m: i for i, m in enumerate(data.ids)}
    rows = {s: [idx[m] for m in data.splits[s]] for s in ("train", "val", "test")}
    return loaded, data, cfg, model_inputs(cfg, data, loaded.model, progress=True), rows


def compare(loaded, inputs, data, splits: dict, train: list, variants: dict, row: dict) -> dict:
    """Evaluate a shipped elastic model's variants {name: (bulk_prior, meta)} on the splits {name: rows}; each
    result goes into row[f"{split}_{name}"] and a printed line. Returns the metrics of the last variant and split."""
    for name, (prior, meta) in variants.items():
        for split, rows in splits.items():
            m, base = evaluate(loaded.model, inputs, data, loaded.scaler, rows, train, prior, meta)
            row[f"{split}_{name}"] = {k: m[k] for k in ("mean_component_mae", "k_vrh_mae", "g_vrh_mae", "fnorm")}
            print(f"{split:4s} {name:7s}: MAE {m['mean_component_mae']:.4g}  K {m['k_vrh_mae']:.4g}  "
                  f"G {m['g_vrh_mae']:.4g}  (mean predictor {base['mean']['mean_component_mae']:.4g})", flush=True)
    return m


def reship(path: str, loaded, meta: dict, test: dict, **card_fields) -> None:
    """Write a shipped model file again with `meta` (network and scaler unchanged), and into its card the test
    metrics `test`, `card_fields` and today's date."""
    keep = {k: v for k, v in meta.items() if k not in ("format", "num_elements")}  # save_model writes them
    save_model(path, loaded.model, loaded.scaler, keep)
    card_path = Path(path).with_suffix(".json")
    card = json.loads(card_path.read_text())
    card.update(test={k: test[k] for k in TEST_KEYS if k in test}, **card_fields, date=time.strftime("%Y-%m-%d"))
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    print(f"shipped: {path} and {card_path.name}")


def card_baselines(baselines: dict) -> dict:
    "A model card's trivial predictors from a run's `baselines` (results.json): test MAE of each, per component too."
    return {**{name: m["mean_component_mae"] for name, m in baselines.items()},
            "mean_component_mae": baselines["mean"]["component_mae"]}


def card_for(task: str, best: dict, candidates: list) -> dict:
    """The model card of a shipped run (see the keys below), chosen among `candidates` (every recorded run); read with
    `tensor_nb.prediction.shipped_models`."""
    t = get_task(task)
    meta = load_model(Path(best["run_dir"]) / "model.pt").meta
    domain = meta.get("domain", {})
    card = {
        "task": task,
        "kind": t.kind,
        "unit": tensor_kind(t.kind).unit,
        "per_atom": t.per_atom,
        "model": (
            best["model"]
            if best["model"] not in BACKBONES
            else f"head on {best['model']} ({best.get('mode', 'freeze')})"
        ),
        "backbone": meta.get("backbone", ""),
        "backbone_licence": BACKBONES[meta["backbone"]].licence if meta.get("backbone") else "",
        "parameters": best["parameters"],
        "equivariance": "E(3): rotations and inversion (see 07a_backbone, 11_prediction)",
        "selected_by": f"lowest validation mean component MAE among {len(candidates)} equivariant runs"
        + (" that learn log(eps - 1), every principal value above 1"
           if best.get("log_floor") == SPD_FLOOR["dielectric"] else "")
        + f" ({best['val']['mean_component_mae']:.4g}: {run_name(best['run_dir'])})",
        "data": {
            "snapshot": t.snapshot,
            "snapshot_sha256_16": best["data_sha256_16"],
            "n_train": best["n_train"],
            "n_test": best["n_test"],
            "split": "70/15/15 by material id, stratified by crystal system, hashed order",
        },
        "test": {k: best["test"][k] for k in TEST_KEYS if k in best["test"]},
        "baselines": card_baselines(best["baselines"]),
        "domain": {
            "elements": len(domain.get("elements", [])),
            "decision": "warns for elements absent from the training crystals; for cells with a vacuum gap wider than "
            f"{VACUUM_GAP:g} A (slabs, layers, molecules in a box; 04a_structures)"
            + (
                f"; for crystals farther from the training crystals than 99 % of the "
                f"{domain.get('distance_reference', 'training crystals')} (Mahalanobis distance of the mean "
                "invariant backbone features)"
                if "distance_p99" in domain
                else ""
            )
            + (
                f"; for crystals a logistic metal classifier on the same features calls metallic "
                f"({domain['metal_training']}; held-out accuracy {domain['metal_accuracy']:.1%})"
                if "metal_accuracy" in domain
                else ""
            ),
        },
        "ensemble_members": meta.get("model_kw", {}).get("members", 1),
        "bulk_prior": bulk_prior_note(meta.get("bulk_prior")),
        "log_target": (
            ("trained on log(eps - 1), predictions mapped back: every eigenvalue above 1 (03b_spd)"
             if meta.get("log_floor") == 1 else
             "trained on the tensor's matrix logarithm, predictions exponentiated: always positive definite (03b_spd)")
            if meta.get("log_target")
            else ""
        ),
        "auxiliary_data": (
            f"K_VRH and G_VRH of {best['n_moduli']} MP binaries (mp_binary_moduli), loss weight "
            f"{best['config']['moduli_weight']:g}; the validation and test materials left out"
            if best.get("n_moduli")
            else ""
        ),
        "training": {
            "command": best["command"],
            "config": best["config"],
            "commit": best["commit"],
            "wall_s": None if best["wall_s"] is None else round(best["wall_s"]),
        },
        "date": time.strftime("%Y-%m-%d"),
    }
    return card


def merged_model(task: str, paths: list, out: Path) -> tuple:
    "(the merged model, its test metrics) of model files merged into `out` (`merge_models`)."
    merged = merge_models(paths, out)
    records = split_records(task, "test")
    T = predict([r.structure for r in records], task, model_path=out, progress=False)
    return merged, tensor_metrics(T, np.stack([r.tensor for r in records]), get_task(task).kind)


def merged_card(task: str, runs: list, candidates: list, out: Path) -> dict:
    """Merge the runs' model files into `out` and return its card: the first run's, with the merged model's heads,
    parameters and test metrics, and every run's settings (`training.merged`)."""
    merged, test = merged_model(task, [Path(r["run_dir"]) / "model.pt" for r in runs], out)
    card = card_for(task, {**runs[0], "test": test, "parameters": sum(r["parameters"] for r in runs)}, candidates)
    card["ensemble_members"] = merged.meta["model_kw"]["members"]
    card["training"]["merged"] = [{"run": run_name(r["run_dir"]), "command": r["command"], "config": r["config"],
                                   "commit": r["commit"], "val": r["val"]["mean_component_mae"]} for r in runs]
    return card


def refuse_refit(task: str) -> None:
    """Exit with one line if the shipped `task` model was refit on the validation crystals (benchmarks/refit.py): a
    choice on validation figures needs the model before that."""
    card = json.loads((ROOT / "tensor_nb" / "assets" / f"{task}.json").read_text())
    if card.get("training", {}).get("refit"):
        sys.exit(f"error: the shipped {task} model was refit on the validation crystals (benchmarks/refit.py); "
                 f"ship the chosen run again first: benchmarks/ship_models.py --tasks {task}")


def same_settings(a: dict, b: dict) -> bool:
    """Whether two training configs differ at most in their seed (keys added since filled with their defaults; a
    config with an option removed since matches none)."""
    try:
        return ({k: v for k, v in asdict(TrainConfig(**a)).items() if k != "seed"}
                == {k: v for k, v in asdict(TrainConfig(**b)).items() if k != "seed"})
    except TypeError:
        return False


def cv_choice(task: str, candidates: list) -> tuple[list, str] | None:
    """(runs, card sentence) of the cross-validated settings of `task` with the lowest mean fold MAE (see above),
    for each setting its candidate run with the lowest validation MAE; None if none were cross-validated."""
    rows = [r for r in result_rows("cv.jsonl") if r["task"] == task]
    if not rows:
        return None
    rows = [r for r in rows if r["k"] == rows[-1]["k"]]  # figures of the same folds only (the newest rows' k)
    best = min(rows, key=lambda r: r["mean_mae"])
    runs = []
    for config in best.get("configs", [best.get("config")]):
        if not (same := [r for r in candidates if same_settings(r["config"], config)]):
            sys.exit(f"error: {task}: no run with the cross-validated settings {config}: train one with backbone.py")
        runs.append(min(same, key=lambda r: r["val"]["mean_component_mae"]))
    picked = ", ".join(f"{r['val']['mean_component_mae']:.4g}: {run_name(r['run_dir'])}" for r in runs)
    return runs, (f"lowest {best['k']}-fold cross-validated mean component MAE ({best['mean_mae']:.4g}) among "
                  f"{len(rows)} choices, settings or equal means of several (benchmarks/cv.py); for each setting its "
                  f"run with the lowest validation MAE ({picked})")


def loadable(run: dict) -> bool:
    "Whether a run's model file exists and is in this version's format."
    try:
        load_model(Path(run["run_dir"]) / "model.pt")
        return True
    except ModelFileError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="elastic,dielectric,piezoelectric,born_charges,electronic_dielectric")
    args = parser.parse_args()
    rows = latest_per_run(result_rows("blind.jsonl") + result_rows("backbone.jsonl"))
    assets = ROOT / "tensor_nb" / "assets"
    for task in args.tasks.split(","):
        recorded = [
            r
            for r in rows
            if r["task"] == task
            and "val" in r
            and r.get("fraction", 1.0) == 1.0
            and (r["model"] in EQUIVARIANT_MODELS or r["model"] in BACKBONES)
            and not r.get("extra_train")  # experiments: refit.py and the cards know the task's own data only
        ]
        floor = SPD_FLOOR["dielectric"]
        if get_task(task).kind == "dielectric" and (bounded := [r for r in recorded if r.get("log_floor") == floor]):
            recorded = bounded  # a permittivity below the vacuum's is impossible: only log(eps - 1) models
        candidates = [r for r in recorded if loadable(r)]
        if not candidates:
            print(f"{task}: no equivariant run with validation metrics on this machine")
            continue
        by_val = min(candidates, key=lambda r: r["val"]["mean_component_mae"])
        chosen, by = cv_choice(task, candidates) or ([by_val], "")
        missing = [r for r in recorded if r["val"]["mean_component_mae"] < by_val["val"]["mean_component_mae"]]
        if missing and not by:
            sys.exit(f"error: {task}: {len(missing)} recorded runs have a lower validation MAE than the best run on "
                     f"this machine, but no model file here (e.g. {run_name(missing[0]['run_dir'])}): retrain them")
        best = chosen[0]
        if len(chosen) == 1:
            shutil.copy(Path(best["run_dir"]) / "model.pt", assets / f"{task}.pt")
            card = card_for(task, best, recorded)
        else:
            card = merged_card(task, chosen, recorded, assets / f"{task}.pt")
        if by:
            card["selected_by"] = by
        (assets / f"{task}.json").write_text(json.dumps(card, indent=1) + "\n")
        print(
            f"{task}: shipped {card['model']} ("
            + (f"val {best['val']['mean_component_mae']:.4g}" if len(chosen) == 1 else f"{len(chosen)} runs merged")
            + "); test "
            f"{card['test']['mean_component_mae']:.4g} vs "
            + ", ".join(f"{k} {v:.4g}" for k, v in card["baselines"].items() if not isinstance(v, list))
        )


if __name__ == "__main__":
    main()
