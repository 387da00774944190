"""Ship the best blind run of each tensor task inside the package, with a model card.

"Best" is the lowest validation mean component MAE (the headline metric; never the test split) among the runs
recorded in benchmarks/results/blind.jsonl that carry validation metrics; copies <run>/model.pt to tensor_nb/assets/<task>.pt and writes
tensor_nb/assets/<task>.json. The card also gives the test MAE after point-group symmetrisation (what predict() returns
by default) when benchmarks/prediction_symmetry.py has measured that run.

    python benchmarks/ship_models.py
"""
import json
import shutil
import time
from pathlib import Path

from summarize import latest_per_run, rows as result_rows, run_name
from tensor_nb.conventions import tensor_kind

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    rows = latest_per_run(result_rows("blind.jsonl"))
    symmetrised = {str(Path(r["model_path"]).resolve()): r["mae_symmetrised"] for r in result_rows("prediction_symmetry.jsonl")}
    assets = ROOT / "tensor_nb" / "assets"
    assets.mkdir(exist_ok=True)
    for task in sorted({r["task"] for r in rows}):
        candidates = [(r["val"]["mean_component_mae"], r) for r in rows if r["task"] == task and "val" in r]
        if not candidates:
            continue
        val, best = min(candidates, key=lambda c: c[0])
        if not (Path(best["run_dir"]) / "model.pt").exists():
            print(f"{task}: the best run {best['run_dir']} is not on this machine; rerun `{best['command']}` (deterministic) and ship again")
            continue
        kind = tensor_kind(task if task in ("elastic", "dielectric", "piezoelectric") else best["config"]["task"]).name
        shutil.copy(Path(best["run_dir"]) / "model.pt", assets / f"{task}.pt")
        card = {"task": task, "kind": kind, "unit": tensor_kind(kind).unit, "model": best["model"], "model_kw": best["config"]["model_kw"],
                "parameters": best["parameters"], "selected_by": f"lowest validation mean component MAE among {[run_name(c[1]['run_dir']) for c in candidates]} ({val:.4g})",
                "data": {"snapshot_sha256_16": best["data_sha256_16"], "n_train": best["n_train"], "n_test": best["n_test"],
                         "split": "70/15/15 by material id, stratified by crystal system, hashed order (seed 0)"},
                "test": {k: best["test"][k] for k in ("mean_component_mae", "fnorm", "ewt_25", "ewt_10", "ewt_5", "k_vrh_mae", "g_vrh_mae", "share_unstable") if k in best["test"]},
                "test_mean_component_mae_symmetrised": symmetrised.get(str((Path(best["run_dir"]) / "model.pt").resolve())),
                "mean_predictor_mae": best["baselines"]["mean"]["mean_component_mae"],
                "zero_predictor_mae": best["baselines"]["zero"]["mean_component_mae"],
                "training": {"command": best["command"], "config": best["config"], "commit": best["commit"], "wall_s": round(best["wall_s"])},
                "date": time.strftime("%Y-%m-%d")}
        (assets / f"{task}.json").write_text(json.dumps(card, indent=1) + "\n")
        print(f"{task}: shipped {best['model']} (val MAE {val:.4g}); test mean component MAE {best['test']['mean_component_mae']:.4g} "
              f"vs mean predictor {card['mean_predictor_mae']:.4g}, zero {card['zero_predictor_mae']:.4g}")


if __name__ == "__main__":
    main()
