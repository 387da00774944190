"""Write benchmarks/results/summary.md from the blind and transfer result files (no numbers typed by hand)."""

import json
from pathlib import Path

from backbone import HEAD

RESULTS = Path(__file__).parent / "results"
DIELECTRIC_PARTS = ("shipped", "eps_inf + eps_ion heads", "phonondb eps_inf + eps_ion head",
                    "mean of shipped and eps_inf + eps_ion heads", "shipped, ionic blend",
                    "mean of shipped and eps_inf + eps_ion heads, ionic blend", "mean", "zero")
"Columns of the dielectric_parts table (result keys); HEADERS renames the few whose header differs."
HEADERS = {"mean of shipped and eps_inf + eps_ion heads, ionic blend": "mean of shipped and heads, ionic blend",
           "mean": "mean predictor", "zero": "zero predictor"}


def rows(name: str) -> list:
    path = RESULTS / name
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()] if path.exists() else []


def latest_per_run(rs: list) -> list:
    "The newest row of every run folder (reruns re-evaluate or reproduce it), with the wall time of its first run."
    out = {}
    for r in rs:
        out[r["run_dir"]] = {**r, "wall_s": out.get(r["run_dir"], r)["wall_s"]}
    return list(out.values())


def run_name(run_dir) -> str:
    "A run folder relative to the runs root (e.g. `e80/elastic_seconv_global` for a run kept under runs/e80)."
    return str(run_dir).split("/runs/", 1)[-1]


def fmt(m: dict, key: str = "mean_component_mae") -> str:
    return f"{m[key]:.4g}"


def learning_curves(all_rows: list) -> list:
    "Mean and spread (min-max) over seeds of the test MAE, per target, model, source/mode and training fraction."
    groups: dict = {}
    for r in all_rows:
        if "seed" in r:
            key = (r["target"], r["model"], " -> ".join(r["chain"][:-1]) or "-", r["mode"])
            groups.setdefault(key, {}).setdefault(r["fraction"], []).append(r)
    fractions = sorted({f for g in groups.values() for f in g})
    lines = [
        "",
        "## Learning curves: blind vs. pretrained, frozen vs. fine-tuned",
        "",
        "Test mean component MAE, mean over seeds with [min, max] and the number of seeds; the mean and zero",
        "predictors use the same training subset (their MAE changes slightly with it).",
        "",
        "| target | model | pretrained on | mode | " + " | ".join(f"{f:.0%} of train" for f in fractions) + " |",
        "|---|---|---|---|" + "---|" * len(fractions),
    ]
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2] != "-", k[2], k[3])):
        cells = []
        for f in fractions:
            m = [r["test"]["mean_component_mae"] for r in groups[key].get(f, [])]
            cells.append(f"{sum(m) / len(m):.4g} [{min(m):.3g}, {max(m):.3g}] n={len(m)}" if m else "-")
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | " + " | ".join(cells) + " |")
        if key[2] == "-":  # baselines beside the blind row
            for b in ("mean", "zero"):
                vals = [[r["baselines"][b]["mean_component_mae"] for r in groups[key].get(f, [])] for f in fractions]
                lines.append(
                    f"| {key[0]} | {b} predictor | - | - | "
                    + " | ".join(f"{sum(v) / len(v):.4g}" if v else "-" for v in vals)
                    + " |"
                )
    return lines


def head_label(r: dict) -> str:
    """A backbone run's variant: mode, members, auxiliary moduli, bulk prior, shells, mid_lmax, log target, loss, width,
    a frozen-backbone head's learning rate, weight decay, moving average of the weights (rows of an option tried and
    removed), another task's training data."""
    members = r["config"]["model_kw"].get("members", 1)
    return (f"{r['model']} head, {r['mode']}" + (f", {members} members" if members > 1 else "")
            + (", + binary moduli" if r["config"].get("moduli_weight") else "")
            + (", + bulk prior" if r.get("bulk_prior") else "")
            + (", shell harmonics" if r["config"]["model_kw"].get("shells") else "")
            + (", first layer l <= 2" if r["config"]["model_kw"].get("mid_lmax") == 2 else "")
            + (", log target" if r["config"].get("log_target") and not r.get("log_floor") else "")
            + (", log(eps - 1) target" if r.get("log_floor") else "")
            + (f", {r['config']['loss']} loss" if r["config"].get("loss", "huber") != "huber" else "")
            + (" on the tensor" if r["config"].get("tensor_loss") else "")
            + (f", width {r['config']['model_kw']['mul']}" if r["config"]["model_kw"].get("mul", 16) != 16 else "")
            + (f", learning rate {lr:g}" if (lr := r["config"]["lr"]) != HEAD["lr"] and r["mode"] == "freeze" else "")
            + (f", weight decay {wd:g}" if (wd := r["config"]["weight_decay"]) != HEAD["weight_decay"] else "")
            + (f", weights averaged (decay {r['config']['ema']:g})" if r["config"].get("ema") else "")
            + (f", + {r['extra_train']} in training" if r.get("extra_train") else ""))


def full_data(r: dict) -> bool:
    "A blind run on the whole training split with the first seed (the runs compared in the blind table)."
    return r.get("fraction", 1.0) == 1.0 and r.get("seed", 0) == 0


def blind_setting(r: dict) -> tuple:
    "What makes blind runs comparable across training fractions and seeds: task, model and training settings."
    c = r["config"]
    return r["task"], r["model"], c.get("target_scale"), c.get("loss"), c.get("epochs"), json.dumps(c.get("model_kw"))


def best_blind(blind_rows: list) -> list:
    """The full-data run with the lowest validation MAE of each (task, blind model), and the runs with its settings on
    other training fractions and seeds."""
    best: dict = {}
    for r in filter(full_data, blind_rows):
        k = (r["task"], r["model"])
        if k not in best or r["val"]["mean_component_mae"] < best[k]["val"]["mean_component_mae"]:
            best[k] = r
    chosen = {blind_setting(r) for r in best.values()}
    return [r for r in blind_rows if r in best.values() or (not full_data(r) and blind_setting(r) in chosen)]


def backbone_table(all_rows: list, blind_rows: list) -> list:
    "Backbone heads vs blind models at every training fraction: test MAE (mean [min, max] over seeds), wall time."
    groups: dict = {}
    for r in all_rows:
        groups.setdefault((r["task"], head_label(r)), {}).setdefault(r["fraction"], []).append(r)
    for r in best_blind(blind_rows):
        groups.setdefault((r["task"], f"blind {r['model']}"), {}).setdefault(r.get("fraction", 1.0), []).append(r)
    fractions = sorted({f for g in groups.values() for f in g})
    lines = [
        "",
        "## Pretrained backbone: frozen vs fine-tuned vs blind",
        "",
        "Test mean component MAE, mean over seeds with [min, max], the number of seeds and the mean wall time per",
        "run (2 CPU cores; runs marked * shared them with a second run, one thread each, or with other work); blind",
        "rows: the settings of each model's best full-data run on validation, at every fraction where they were run.",
        "The trivial predictors on the full split close each task.",
        "",
        "| task | model | " + " | ".join(f"{f:.0%} of train" for f in fractions) + " |",
        "|---|---|" + "---|" * len(fractions),
    ]
    for key in sorted(groups, key=lambda k: (k[0], k[1].startswith("blind"), k[1])):
        cells = []
        for f in fractions:
            rs = groups[key].get(f, [])
            m = [r["test"]["mean_component_mae"] for r in rs]
            walls = [r["wall_s"] for r in rs if r["wall_s"] is not None]  # None: a resumed run's time was lost
            shared = "*" if any("--threads 1" in r.get("command", "") or r.get("shared_cpu") for r in rs) else ""
            wall = f"{sum(walls) / len(walls):.0f} s{shared}" if walls else "time not recorded"
            cells.append(f"{sum(m) / len(m):.4g} [{min(m):.3g}, {max(m):.3g}] n={len(m)}, {wall}" if m else "-")
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    for task in sorted({k[0] for k in groups}):
        full = [r for k, g in groups.items() if k[0] == task for r in g.get(1.0, [])]
        if full:
            b = full[0]["baselines"]
            lines.append(
                f"| {task} | trivial predictors | "
                + ", ".join(f"{n} {m['mean_component_mae']:.4g}" for n, m in b.items())
                + " |"
                + " |" * (len(fractions) - 1)
            )
    return lines


def hypergraph_table(all_rows: list) -> list:
    "The seed talk's CGCNN vs CHGCNN comparison beside this project's runs."
    lines = [
        "",
        "## Hypergraphs: CGCNN (bonds) vs CHGCNN (bonds and coordination motifs)",
        "",
        "| task | seed: bonds | seed: bonds + motifs | CGCNN | CHGCNN | mean predictor | train "
        "| wall s (CGCNN, CHGCNN) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_task: dict = {}
    for r in all_rows:
        by_task.setdefault(r["task"], {})[r["model"]] = r
    for task, runs in sorted(by_task.items()):
        any_run = next(iter(runs.values()))
        cell = lambda m: f"{runs[m]['test']['mean_component_mae']:.4g}" if m in runs else "-"
        walls = ", ".join(f"{runs[m]['wall_s']:.0f}" if m in runs else "-" for m in ("cgcnn", "chgcnn"))
        seed = any_run["seed_talk"]
        lines.append(
            f"| {task} | {seed['bond_only']} | {seed['bond_and_motif']} | {cell('cgcnn')} | {cell('chgcnn')} | "
            f"{any_run['baselines']['mean']['mean_component_mae']:.4g} | {any_run['n_train']} | {walls} |"
        )
    return lines


def main() -> None:
    lines = [
        "# Results",
        "",
        "Generated by `python benchmarks/summarize.py` from the result files in this folder.",
        "Test split (15 %, stratified by crystal system); mean component MAE in Voigt form (units of the task);",
        "EwT25 = share of test tensors with relative Frobenius error < 25 %.",
        "",
        "## Blind training",
        "",
        "Sorted by task and validation MAE (the shipped model is the first row of each task that has one); the run",
        "name carries the options that differ from the defaults (`_global`: one target scale for all irreps).",
        "K_VRH, G_VRH: Hill moduli of the predicted elastic tensors (GPa); unstable: share of predictions that are not",
        "positive definite, whose moduli are Voigt averages (rows without it used a pseudo-inverse Reuss bound).",
        "",
        "| task | model | run | params | train | epochs | val MAE | mean comp. MAE | mean predictor | zero predictor "
        "| Fnorm | EwT25 | K_VRH MAE | G_VRH MAE | unstable | commit | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(
        filter(full_data, latest_per_run(rows("blind.jsonl"))),
        key=lambda r: (r["task"], r["val"]["mean_component_mae"] if "val" in r else float("inf")),
    ):
        t, b = r["test"], r["baselines"]
        kg = (f"{t['k_vrh_mae']:.3g} | {t['g_vrh_mae']:.3g}" if "k_vrh_mae" in t else "- | -") + (
            f" | {t['share_unstable']:.1%}" if "share_unstable" in t else " | -"
        )
        val = fmt(r["val"]) if "val" in r else "-"
        lines.append(
            f"| {r['task']} | {r['model']} | {run_name(r['run_dir'])} | {r['parameters']:,} | {r['n_train']} | "
            f"{r['epochs_run']} | {val} | **{fmt(t)}** | {fmt(b['mean'])} | {fmt(b['zero'])} | {t['fnorm']:.4g} | "
            f"{t['ewt_25']:.1%} | {kg} | {r['commit']} | {r['wall_s']:.0f} |"
        )
    lines += [
        "",
        "## Transfer from the blind elastic SEConv encoder (single runs)",
        "",
        "| target | chain | mode | train fraction | train | mean comp. MAE | mean predictor | zero predictor | EwT25 "
        "| commit | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in [r for r in rows("transfer.jsonl") if "seed" not in r]:  # seeded grid rows: learning-curve table below
        t, b = r["test"], r["baselines"]
        lines.append(
            f"| {r['target']} | {' -> '.join(r['chain'])} | {r['mode']} | {r['fraction']:.2f} | {r['n_train']} | "
            f"**{fmt(t)}** | {fmt(b['mean'])} | {fmt(b['zero'])} | {t['ewt_25']:.1%} | {r['commit']} | "
            f"{r['wall_s']:.0f} |"
        )
    lines += learning_curves(rows("transfer.jsonl"))
    lines += backbone_table(
        latest_per_run(rows("backbone.jsonl")), [r for r in latest_per_run(rows("blind.jsonl")) if "val" in r]
    )
    lines += hypergraph_table(latest_per_run(rows("hypergraph.jsonl")))
    lines += [
        "",
        "## Do predictions obey the crystal's point group?",
        "",
        "Relative residual ||S T - T|| / ||T|| of raw test predictions (S: average over the point group), and the",
        "test mean component MAE before and after symmetrising (`benchmarks/prediction_symmetry.py`).",
        "",
        "| task | model | run | residual median | residual p95 | share > 1e-2 | MAE raw | MAE symmetrised |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in {r["model_path"]: r for r in rows("prediction_symmetry.jsonl")}.values():  # newest measurement per model
        lines.append(
            f"| {r['task']} | {r['model']} | {run_name(Path(r['model_path']).parent)} | {r['residual_median']:.2g} | "
            f"{r['residual_p95']:.2g} | {r['share_above_1e_2']:.0%} | {r['mae_raw']:.4g} | {r['mae_symmetrised']:.4g} |"
        )
    lines += [
        "",
        "## Labels against the ionic response of the potential",
        "",
        "SevenNet-0 force constants and internal strain with the shipped model's Born charges, no training on the task",
        "(`benchmarks/ionic_response.py`): mean component MAE; estimate: the ionic tensor (piezoelectric, C/m^2) or",
        "the shipped eps_inf model plus it (dielectric); blend: (1 - w) shipped + w estimate, w chosen on validation",
        "(piezoelectric: w times the estimate), on the crystals the potential finds stable at Gamma (rows with a",
        "'stable' count; older rows blend every crystal); along / against: crystals whose estimate and label (both",
        "non-negligible) have cosine > 0.5 / < -0.5.",
        "",
        "| task | split | n | soft-mode floor | estimate | blend (w) | mean predictor | zero predictor | shipped model "
        "| along | against | commit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    newest = {(r["task"], r["floor_eV_per_A2"]): r for r in rows("ionic_response.jsonl")}
    for r in newest.values():
        weight = r.get("weight_chosen_on_val", r.get("scale_chosen_on_val"))
        for split in ("val", "test"):
            m = r[split]
            mean = f"{m['mean']:.4g}" if "mean" in m else "-"
            lines.append(
                f"| {r['task']} | {split} | {m['n']}" + (f" ({m['stable']} stable)" if "stable" in m else "")
                + f" | {r['floor_eV_per_A2']} | {m['ionic_estimate']:.4g} | "
                f"{m.get('blend', m.get('scaled_estimate')):.4g} (w {weight}) | {mean} | "
                f"{m['zero']:.4g} | {m['shipped_model']:.4g} | "
                + (f"{m['along']} of {m['compared']} | {m['against']} |" if "along" in m else "- | - |")
                + f" {r['commit']} |"
            )
    lines += [
        "",
        "## Where the shipped models' test error comes from",
        "",
        "Per-crystal mean absolute error over the Voigt components on the test split (`benchmarks/error_anatomy.py`):",
        "the share of the total carried by the worst crystals, and the three worst with their largest components.",
        "",
        "| task | n | MAE | worst 1 | worst 5 | worst 10 | MAE without worst 5 | worst crystals (label -> predicted) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in {r["task"]: r for r in rows("error_anatomy.jsonl")}.values():  # newest measurement per task
        worst = ", ".join(f"{w['formula']} ({w['largest_label']:.3g} -> {w['largest_prediction']:.3g})"
                          for w in r["worst"][:3])
        lines.append(
            f"| {r['task']} | {r['n']} | {r['voigt_mae']:.4g} | {r['share_worst_1']:.0%} | {r['share_worst_5']:.0%} | "
            f"{r['share_worst_10']:.0%} | {r['voigt_mae_without_worst_5']:.4g} | {worst} |"
        )
    lines += [
        "",
        "## Dielectric as eps_inf + eps_ion",
        "",
        "Two heads with the shipped dielectric model's settings, one on the electronic part and one on the ionic part",
        "of the MP labels (`benchmarks/dielectric_parts.py`): mean component MAE of the total, newest run; the",
        "ionic blend is `predict(..., ionic=True)`'s (the shipped card's weight, on crystals SevenNet-0 finds",
        "stable); 'shipped' is the shipped model file alone. Since `--ship`, `predict` answers with the model and the",
        "parts mixed as chosen on validation (below; 0.5: their mean). And the trace / 3 of the parts' heads for",
        "the example crystals (there 'shipped' is `predict`'s answer).",
        "",
        "| split | " + " | ".join(HEADERS.get(key, key) for key in DIELECTRIC_PARTS) + " | commit |",
        "|---|" + "---|" * len(DIELECTRIC_PARTS) + "---|",
    ]
    for r in rows("dielectric_parts.jsonl")[-1:]:
        for split in ("val", "test"):
            m = r[split]
            lines.append(f"| {split} | " + " | ".join(f"{m[key]:.4g}" if key in m else "-" for key in DIELECTRIC_PARTS)
                         + f" | {r['commit']} |")
        if "weight_chosen_on_val" in r:
            src = r.get("eps_inf_chosen_on_val", "head")
            source = "its head" if src == "head" else "the electronic_dielectric model"
            figures = f": validation {r['mix']['val']:.4g}, test {r['mix']['test']:.4g}" if "mix" in r else ""
            lines += ["", f"Weight of the parts chosen on validation: {r['weight_chosen_on_val']:g}, eps_inf from "
                          f"{source}{figures}."]
        lines += ["", "| example | shipped | eps_inf head | eps_ion head |", "|---|---|---|---|"]
        lines += [f"| {name} | {e['shipped']:.3g} | {e['electronic']:.3g} | {e['ionic']:.3g} |"
                  for name, e in r["examples"].items()]
    lines += [
        "",
        "## Piezoelectric labels oriented by physics",
        "",
        "A head with the shipped piezoelectric model's settings, trained on labels whose sign was aligned with the",
        "ionic estimate of SevenNet-0 and the shipped Born charges (`benchmarks/piezo_orientation.py`): mean component",
        "MAE (C/m^2) against the given and the oriented labels, newest run; and e33 along the polar axis.",
        "",
        "| split | labels flipped | shipped vs given | oriented model vs given | zero vs given | shipped vs oriented "
        "| oriented model vs oriented | zero vs oriented | commit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows("piezo_orientation.jsonl")[-1:]:
        for split in ("val", "test"):
            m = r[split]
            lines.append(f"| {split} | {r['flipped'][split]} of {r['n'][split]} | " + " | ".join(
                f"{m[f'{name} vs {which}']:.4f}" for which in ("given", "oriented")
                for name in ("shipped", "oriented model", "zero")) + f" | {r['commit']} |")
        lines += ["", f"Point groups with at most 15 % flipped labels ({', '.join(r['kept_groups'])}), labels as "
                  "given: "
                  + "; ".join(f"{split} (n {r[split]['n_kept_groups']}) " + ", ".join(
                      f"{name} {r[split][f'{name} vs given, kept groups']:.4f}"
                      for name in ("shipped", "oriented model", "zero")) for split in ("val", "test"))]
        lines += ["", "Labels flipped / crystals per point group (all splits): " + ", ".join(
            f"{pg} {f}/{n}" for pg, (f, n) in sorted(r["by_point_group"].items(), key=lambda kv: -kv[1][1]))]
        lines += ["", "| crystal | split | DFT label | shipped | oriented model |", "|---|---|---|---|---|"]
        lines += [f"| {name} | {e['split']} | {e['label']:+.3f} | {e['shipped']:+.3f} | {e['oriented model']:+.3f} |"
                  for name, e in r["e33"].items()]
    lines += [
        "",
        "## A shear prior from the potential",
        "",
        "The shipped elastic model's G_V moved towards SevenNet-0's clamped-ion G_V times a scale, weight and scale",
        "chosen on validation by G_VRH MAE (`benchmarks/shear_prior.py`), newest run; and how the clamped-ion G_V",
        "alone relates to the DFT G_VRH.",
        "",
        "| split | weight | scale | corr. clamped G vs DFT | median clamped / DFT | shipped: comp. MAE, K, G "
        "| with shear prior: comp. MAE, K, G | commit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows("shear_prior.jsonl")[-1:]:
        for split in ("val", "test"):
            m = {name: ", ".join(f"{r[split][name][key]:.3g}" for key in ("mean_component_mae", "k_vrh_mae",
                                                                           "g_vrh_mae"))
                 for name in ("shipped", "with shear prior")}
            lines.append(f"| {split} | {r['weight']} | {r['scale']} | {r['correlation_clamped_g'][split]:.2f} | "
                         f"{r['median_ratio_clamped_g'][split]:.2f} | {m['shipped']} | {m['with shear prior']} | "
                         f"{r['commit']} |")
    lines += [
        "",
        "## Refit on training and validation crystals",
        "",
        "Each shipped model's own networks trained again with the chosen settings on the training and validation",
        "crystals together, for the chosen run's best epoch + 1 (`benchmarks/refit.py`), newest run per task: test",
        "mean component MAE before and after, every weight of a mix or blend unchanged.",
        "",
        "| task | what | test before | test refit | epochs | training crystals | commit |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in {r["task"]: r for r in rows("refit.jsonl")}.values():
        for what, m in r["test"].items():
            epochs = r["epochs"].get(what.removesuffix(" part").replace("model alone", "model"), "-")
            n = m.get("n_train", r["n_train"])  # a part's own crystals (its data set drops a few), else the model's
            lines.append(f"| {r['task']} | {what} | {m['before']:.4g} | {m['refit']:.4g} | {epochs} | "
                         f"{n['before']} -> {n['refit']} | {r['commit']} |")
    (RESULTS / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
