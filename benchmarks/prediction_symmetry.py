"""Do predictions obey their crystal's point group, and does symmetrising them help?

For trained model.pt files (from benchmarks/blind.py or benchmarks/transfer.py), predicts the test split of the
model's task, then reports the median and 95th-percentile symmetry residual ||S T - T|| / ||T|| of the raw
predictions (S: average over the crystal's point group) and the test mean component MAE before and after
symmetrising. Appends a row per model to benchmarks/results/prediction_symmetry.jsonl.

    python benchmarks/prediction_symmetry.py ../runs/dielectric_segnn/model.pt ../runs/transfer/cgcnn/dielectric_blind_1.0_0/model.pt
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from tensor_nb.data import load_task
from tensor_nb.decompose import from_irreps
from tensor_nb.metrics import tensor_metrics
from tensor_nb.symmetry import symmetrize, symmetry_residual
from tensor_nb.train import load_trained, predict_coefficients, task_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(2)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    out = Path(__file__).parent / "results" / "prediction_symmetry.jsonl"
    for path in args.models:
        model, scaler, meta = load_trained(path)
        data = task_data(meta["task"], progress=False)
        idx = {m: i for i, m in enumerate(data.ids)}
        te = [idx[m] for m in data.splits["test"]]
        pred = from_irreps(scaler.inverse(predict_coefficients(model, [data.graphs[i] for i in te])).double().numpy(), data.kind)
        records = {r.material_id: r for r in load_task(meta["task"], progress=False).records}
        structures = [records[data.ids[i]].structure for i in te]
        res = np.array([float(symmetry_residual(t, s, data.kind)) for t, s in zip(pred, structures)])
        sym = np.stack([symmetrize(t, s, data.kind) for t, s in zip(pred, structures)])
        raw_m, sym_m = tensor_metrics(pred, data.tensors[te], data.kind), tensor_metrics(sym, data.tensors[te], data.kind)
        row = dict(model_path=path, model=meta["model_name"], task=meta["task"], commit=commit, command=" ".join(sys.argv), n_test=len(te),
                   residual_median=float(np.median(res)), residual_p95=float(np.percentile(res, 95)), share_above_1e_2=float((res > 1e-2).mean()),
                   mae_raw=raw_m["mean_component_mae"], mae_symmetrised=sym_m["mean_component_mae"])
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"{meta['task']:14s} {meta['model_name']:15s} residual median {row['residual_median']:.2g}, p95 {row['residual_p95']:.2g}, "
              f">1e-2: {row['share_above_1e_2']:.0%}   MAE raw {row['mae_raw']:.4g} -> symmetrised {row['mae_symmetrised']:.4g}", flush=True)


if __name__ == "__main__":
    main()
