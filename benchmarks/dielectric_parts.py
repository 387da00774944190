"""Does learning the static dielectric tensor as eps_inf + eps_ion beat learning it whole?

The MP dielectric set gives both parts (`dielectric_tensor.electronic` and the total). Trains two heads with the
shipped dielectric model's settings (the training config in its card: backbone, members, seed, loss, target): one on
the electronic part eps_inf (log(eps_inf - 1)) and one on the ionic part eps_ion = total - electronic, which is
positive semi-definite, through log(eps_ion + 1) (stored as eps_ion + 2 so that the dielectric floor of 1 applies;
predicted parts are made positive semi-definite, `_part_tensors`).
The two tasks are derived snapshots in a temporary data folder, registered for this process only. Reports, on the
validation and test splits of the dielectric task, the mean component MAE of the shipped model, of the sum of the
two heads, of the shipped phonondb eps_inf model plus the ionic head, of the equal mean of the shipped model and
the two heads, of the shipped model and that mean each blended with the SevenNet-0 ionic estimate as
`predict(..., ionic=True)` does (the shipped card's weight, if it has one), and of the trivial predictors; and the
parts predicted for the example crystals. On the splits, "shipped" is the shipped model file alone, without parts
shipped beside it; for the examples, `predict`'s answer. Appends a row to benchmarks/results/dielectric_parts.jsonl.
Resumable: rerun the same command.

With --ship, the parts go into the package beside the shipped dielectric model, with the eps_inf source
(EPS_INF) and the weight w of (1 - w) model + w (eps_inf + eps_ion) from PART_WEIGHTS with the lowest validation
MAE, and the dielectric card gets them (`parts`) and their test metrics; `predict` then answers with the mix
(11_prediction). Run it after benchmarks/ship_models.py (which writes a new card) and before
benchmarks/ionic_response.py --task dielectric --ship (whose blend is chosen for the mix); benchmarks/refit.py comes
last.

    python benchmarks/dielectric_parts.py [--runs ../runs/dielectric_parts] [--ship]   # ~25 min on 2 cores
"""

import json
import shutil
import time
from pathlib import Path

import numpy as np

from record import append_row, derived_data, experiment_args, git_commit, split_records
from ship_models import TEST_KEYS, refuse_refit
from tensor_nb import data as tensor_data
from tensor_nb.cards import ASSETS, ionic_blend
from tensor_nb.checkpoint import load_model
from tensor_nb.errors import SettingError
from tensor_nb.metrics import baseline_metrics, tensor_metrics
from tensor_nb.potential import ionic_dielectric
from tensor_nb.prediction import _part_tensors, predict
from tensor_nb.train import TrainConfig, train

PARTS = {"electronic": lambda total, el: el, "ionic": lambda total, el: total - el}
"Each part from the total and electronic tensors."
SHIFT = {"electronic": 0.0, "ionic": 2.0}
"What each stored part adds to the diagonal (the ionic part: 2, see above); predictions take it off again."
EXAMPLES = ("Si", "NaCl", "ZnO", "alpha-quartz", "BaTiO3")
PART_WEIGHTS = (0.0, 0.5, 1.0)
"Candidate weights w of the parts' sum beside the model (0: the model alone; 0.5: their equal mean)."
EPS_INF = {"head": None, "phonondb": "electronic_dielectric"}
"""Where the sum's eps_inf comes from: the eps_inf head trained here, or the shipped model of that task (phonondb),
read from its own backbone run (`forward_structures(also=...)`, 07a_backbone)."""


def part_records(records: list, part: str) -> list[dict]:
    "The dielectric records with the total tensor replaced by one part, shifted (see SHIFT)."
    make = PARTS[part]
    return [{**r, "dielectric_tensor": {**(eps := r["dielectric_tensor"]), "total": (
        make(np.asarray(eps["total"]), np.asarray(eps["electronic"])) + SHIFT[part] * np.eye(3)).tolist()}}
        for r in records]


def register_parts() -> None:
    "Register the parts' tasks (dielectric_<part>_part) and their derived snapshots for this process."
    records = list(tensor_data.read_records(next(tensor_data.data_dir().glob("mp_dielectric.jsonl*"))))
    derived_data("dielectric_parts_", {f"mp_dielectric_{p}.jsonl.gz": part_records(records, p) for p in PARTS},
                 [tensor_data.Task(f"dielectric_{p}_part", f"mp_dielectric_{p}", "dielectric_tensor.total",
                                   "dielectric", "structure") for p in PARTS])


def part_run(runs: str, part: str) -> tuple[TrainConfig, Path]:
    "The training config of a part (the shipped dielectric model's settings) and its run folder under `runs`."
    shipped_config = json.loads((ASSETS / "dielectric.json").read_text())["training"]["config"]
    cfg = TrainConfig(**{**shipped_config, "task": f"dielectric_{part}_part"})
    return cfg, Path(runs) / f"{cfg.model}_{part}_{cfg.seed}_{cfg.key()[:8]}"  # a folder per setting


def main() -> None:
    args = experiment_args(__doc__, "dielectric_parts", {"ship": "ship the heads as the dielectric model's parts"})
    refuse_refit("dielectric")
    register_parts()
    t0, models = time.time(), {}
    for part in PARTS:  # the shipped model's settings: its backbone, heads, seed, target and loss
        cfg, run = part_run(args.runs, part)
        res = train(cfg, run, progress=True)
        models[part] = run / "model.pt"
        print(f"{part}: val {res['val']['mean_component_mae']:.4g}, test {res['test']['mean_component_mae']:.4g}")
    part_of = {p: lambda s, p=p: _part_tensors(predict(s, f"dielectric_{p}_part", model_path=models[p], progress=False),
                                              SHIFT[p], "dielectric") for p in PARTS}
    row = {"commit": git_commit(), "date": time.strftime("%Y-%m-%d"), "wall_s": time.time() - t0}
    try:  # the shipped dielectric card's weight and soft-mode floor; none on a card that ship_models.py just wrote
        blend = ionic_blend("dielectric")
    except SettingError:
        blend = None
    seen = np.stack([r.tensor for r in split_records("dielectric", "train")])  # the mean predictor's
    for split in ("val", "test"):
        records = split_records("dielectric", split)
        S, truth = [r.structure for r in records], np.stack([r.tensor for r in records])
        ion = part_of["ionic"](S)
        shipped = predict(S, "dielectric", model_path=ASSETS / "dielectric.pt", progress=False)  # without parts
        parts = part_of["electronic"](S) + ion
        eps_inf = predict(S, EPS_INF["phonondb"], progress=False)
        sums = {"head": parts, "phonondb": eps_inf + ion}
        mixes = {(src, w): (1 - w) * shipped + w * total for src, total in sums.items() for w in PART_WEIGHTS}
        candidates = {"shipped": shipped, "eps_inf + eps_ion heads": parts,
                      "phonondb eps_inf + eps_ion head": eps_inf + ion,
                      "mean of shipped and eps_inf + eps_ion heads": mixes["head", 0.5]}
        for name in ("shipped", "mean of shipped and eps_inf + eps_ion heads") if blend else ():
            physics = (eps_inf, predict(S, "born_charges", progress=False), S, blend["weight"],
                       blend["floor_eV_per_A2"], blend["potential"])
            candidates[f"{name}, ionic blend"] = ionic_dielectric(candidates[name], *physics)[0]
        row[split] = {k: tensor_metrics(v, truth, "dielectric")["mean_component_mae"] for k, v in candidates.items()}
        row[split].update({k: m["mean_component_mae"] for k, m in baseline_metrics(seen, truth, "dielectric").items()})
        for src in EPS_INF:
            row[split][_weights_key(src)] = {str(w): tensor_metrics(mixes[src, w], truth, "dielectric")
                                             for w in PART_WEIGHTS}
        print(split, {k: round(v, 4) for k, v in row[split].items() if not k.startswith("weights")}, flush=True)
    row["examples"] = {name: {"shipped": float(np.trace(predict(name, "dielectric"))) / 3,
                              **{p: float(np.trace(f(name))) / 3 for p, f in part_of.items()}} for name in EXAMPLES}
    print(json.dumps(row["examples"]))
    src, weight = min(((src, w) for src in EPS_INF for w in PART_WEIGHTS), key=lambda c: weights(row, "val", *c)[
        "mean_component_mae"])
    row["weight_chosen_on_val"], row["eps_inf_chosen_on_val"] = weight, src
    row["mix"] = {split: weights(row, split, src, weight)["mean_component_mae"] for split in ("val", "test")}
    append_row("dielectric_parts.jsonl", row)
    if args.ship:
        ship(models, src, weight, row)


def _weights_key(src: str) -> str:
    "Where a result row keeps the mixes with eps_inf from `src` (`weights`: the head's, as in older rows)."
    return "weights" if src == "head" else f"weights_{src}"


def weights(row: dict, split: str, src: str, weight: float) -> dict:
    "The metrics of (1 - weight) model + weight (eps_inf from `src` + eps_ion head) on `split` in a result row."
    return row[split][_weights_key(src)][str(weight)]


def ship(models: dict, src: str, weight: float, row: dict) -> None:
    """Copy the part models beside the shipped dielectric model (the eps_inf head only if `src` is "head"; else the
    shipped model EPS_INF[src] is the part) and write them, `weight`, the mix's test metrics and the parameters of
    all three into its card."""
    path = ASSETS / "dielectric.json"
    card = json.loads(path.read_text())
    files = {part: f"dielectric_{part}_part.pt" for part in models}
    if src != "head":
        (ASSETS / files["electronic"]).unlink(missing_ok=True)
        files["electronic"] = f"{EPS_INF[src]}.pt"
    for part, model in models.items():
        if files[part].startswith("dielectric_"):
            shutil.copyfile(model, ASSETS / files[part])
    trained_on = {"electronic": "mp_dielectric, electronic" if src == "head" else f"the shipped {EPS_INF[src]} model",
                  "ionic": "mp_dielectric, total - electronic"}
    card["parts"] = {
        "weight": weight, "commit": row["commit"],
        "models": [{"part": part, "file": files[part], "shift": SHIFT[part], "trained_on": trained_on[part]}
                   for part in models],
        "selected_by": "lowest validation mean component MAE of (1 - w) model + w (eps_inf + eps_ion head), eps_inf "
                       f"from a head or the shipped {EPS_INF['phonondb']} model, w in {PART_WEIGHTS} "
                       "(benchmarks/dielectric_parts.py)",
        **{split: {"mix": row["mix"][split], "model_alone": row[split]["shipped"]} for split in ("val", "test")}}
    test = weights(row, "test", src, weight)
    card["test"] = {k: test[k] for k in TEST_KEYS if k in test}
    count = lambda path: sum(p.numel() for p in load_model(path).model.parameters())
    card["parts"]["parameters"] = {part: count(ASSETS / files[part]) for part in models}
    card["parameters"] = count(ASSETS / "dielectric.pt") + sum(card["parts"]["parameters"].values())  # all three
    path.write_text(json.dumps(card, indent=1) + "\n")
    print(f"shipped the parts (eps_inf: {src}), weight {weight}: test {row['mix']['test']:.4g} (model alone "
          f"{row['test']['shipped']:.4g})")


if __name__ == "__main__":
    main()
