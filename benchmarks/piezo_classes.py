"""Piezoelectric errors by class of point group: polar, non-polar, and cubic (-43m, 23), per model file and split.

A head that keeps only l <= 2 of the backbone's features predicts exactly zero for every non-polar crystal
(07a_backbone); this compares model files class by class, beside the zero predictor. `--legacy` marks files
written before `mid_lmax` existed (their heads kept l <= 2). Appends a row per model and split to
results/piezo_classes.jsonl.

    python benchmarks/piezo_classes.py [--legacy old.pt] [new.pt ...]
"""

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from record import append_row, git_commit, split_records
from tensor_nb.prediction import predict

POLAR = {"1", "2", "m", "mm2", "4", "4mm", "3", "3m", "6", "6mm"}
"Point groups with a polar axis: the only ones with an l = 1 part."
CUBIC = {"-43m", "23"}
"Piezoelectric cubic point groups: the tensor is its l = 3 part alone."


def point_group_class(pg: str) -> str:
    "'polar', 'cubic' or 'nonpolar'."
    return "polar" if pg in POLAR else "cubic" if pg in CUBIC else "nonpolar"


def legacy_copy(path: str, folder: str) -> str:
    "A copy of a model file from before `mid_lmax`, with the value its heads were built with (2)."
    state = torch.load(path, weights_only=True)
    state["model_kw"] = {**state.get("model_kw", {}), "mid_lmax": 2}
    out = str(Path(folder) / "legacy.pt")
    torch.save(state, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model files (the shipped model if none)")
    parser.add_argument("--legacy", nargs="*", default=[], help="model files from before mid_lmax (heads with l <= 2)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as folder:
        files = [(p, p) for p in args.models] + [(p, legacy_copy(p, folder)) for p in args.legacy]
        for name, path in files or [("shipped", None)]:
            for split in ("val", "test"):
                records = split_records("piezoelectric", split)
                P = predict([r.structure for r in records], "piezoelectric", model_path=path, output="voigt",
                            progress=False)
                Y = np.stack([r.voigt for r in records])
                row = {"model": name, "split": split, "commit": git_commit(),
                       "all": [float(np.abs(P - Y).mean()), float(np.abs(Y).mean()), len(records)]}
                for c in ("polar", "nonpolar", "cubic"):
                    m = np.array([point_group_class(r.point_group) == c for r in records])
                    row[c] = [float(np.abs(P[m] - Y[m]).mean()), float(np.abs(Y[m]).mean()), int(m.sum())]
                append_row("piezo_classes.jsonl", row)
                print(name, split, "  ".join(f"{k} n={v[2]}: {v[0]:.4f} (zero {v[1]:.4f})" for k, v in row.items()
                                             if isinstance(v, list)))


if __name__ == "__main__":
    main()
