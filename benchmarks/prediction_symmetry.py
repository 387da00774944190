"""Do predictions obey their crystal's point group, and does symmetrising them help?

For model files (from benchmarks/blind.py, backbone.py or transfer.py), predicts the test split of the model's task
without symmetrising, then reports the median and 95th-percentile symmetry residual ||S T - T|| / ||T|| of the raw
predictions (S: average over the crystal's point group) and the test mean component MAE before and after symmetrising.
Appends a row per model to benchmarks/results/prediction_symmetry.jsonl.

    python benchmarks/prediction_symmetry.py ../runs/backbone/elastic_sevennet-0_freeze_huber_1_0/model.pt
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from record import git_commit
from tensor_nb.checkpoint import load_model
from tensor_nb.data import dataset_splits, load_task
from tensor_nb.metrics import tensor_metrics
from tensor_nb.prediction import predict
from tensor_nb.symmetry import symmetrize_many, symmetry_residual


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(2)
    commit = git_commit()
    out = Path(__file__).parent / "results" / "prediction_symmetry.jsonl"
    for path in args.models:
        meta = load_model(path).meta
        ds = load_task(meta["task"], progress=False)
        test = set(dataset_splits(ds)["test"])
        records = [r for r in ds.records if r.material_id in test]
        structures, truth = [r.structure for r in records], np.stack([r.tensor for r in records])
        raw = predict(structures, meta["task"], symmetrize=False, model_path=path, progress=True)
        residual = np.array([symmetry_residual(t, s, meta["kind"]) for t, s in zip(raw, structures)])
        sym = symmetrize_many(raw, structures, meta["kind"], meta["symprec"])
        row = dict(
            task=meta["task"],
            model=meta["model_name"],
            model_path=str(Path(path).resolve()),
            commit=commit,
            n_test=len(records),
            residual_median=float(np.median(residual)),
            residual_p95=float(np.percentile(residual, 95)),
            share_above_1e_2=float(np.mean(residual > 1e-2)),
            mae_raw=tensor_metrics(raw, truth, meta["kind"])["mean_component_mae"],
            mae_symmetrised=tensor_metrics(sym, truth, meta["kind"])["mean_component_mae"],
        )
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
