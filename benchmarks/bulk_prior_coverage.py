"""Which crystals get no bulk-modulus prior from the shipped elastic model, and how much worse are they predicted?

The prior (07c_potential) needs the potential's relaxed-ion bulk modulus, which `bulk_modulus` cannot give for a
crystal with an unstable internal coordinate or more than `_RELAX_MAX` free ones; those keep the model's own bulk
modulus, and `predict` names them in a warning. For the validation and test splits: how many crystals that is,
and the mean component, K_VRH and G_VRH MAE of the shipped model's predictions for them and for the others; and
the split's metrics with the prior and without it (`predict(..., bulk_prior=False)`).
With --relax-max N, also what a larger cap would give: those crystals predicted again with `_RELAX_MAX` = N (their
bulk moduli cached apart), how many then get a prior, the split's metrics and the seconds it takes. Appends a row to
benchmarks/results/bulk_prior_coverage.jsonl.

    python benchmarks/bulk_prior_coverage.py [--relax-max 24]   # ~2 min with the bulk moduli cached, ~15 without
"""

import argparse
import time
import warnings

import numpy as np
import torch

from record import append_row, data_hash, git_commit, split_records
from tensor_nb import potential
from tensor_nb.cards import shipped_models
from tensor_nb.metrics import tensor_metrics
from tensor_nb.potential import bulk_modulus, has_bulk_prior
from tensor_nb.prediction import predict

METRICS = ("mean_component_mae", "k_vrh_mae", "g_vrh_mae")


def metrics(pred: np.ndarray, truth: np.ndarray) -> dict:
    "The elastic METRICS of predictions against labels."
    m = tensor_metrics(pred, truth, "elastic")
    return {k: float(m[k]) for k in METRICS}


def with_cap(structures: list, cap: int, relaxed: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """(predictions, which got a prior, seconds) of the shipped elastic model with `_RELAX_MAX` = cap, bulk moduli
    cached under another version so that the shipped ones stay as they are."""
    saved = potential._RELAX_MAX, potential._BULK_VERSION
    potential._RELAX_MAX, potential._BULK_VERSION = cap, 1000 + cap
    try:
        t0 = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = predict(structures, "elastic", progress=True)
        seconds = time.time() - t0
        return pred, has_bulk_prior(bulk_modulus(structures, relaxed=relaxed)), seconds
    finally:
        potential._RELAX_MAX, potential._BULK_VERSION = saved


def coverage(split: str, cap: int | None = None) -> dict:
    """Counts and metrics of the shipped elastic model on a split, for the crystals with and without a prior; with
    `cap`, also the split's metrics when those without are predicted with that cap (see above)."""
    records = split_records("elastic", split)
    structures, truth = [r.structure for r in records], np.stack([r.tensor for r in records])
    relaxed = "relaxed-ion" in shipped_models()["elastic"]["bulk_prior"]
    got = has_bulk_prior(bulk_modulus(structures, relaxed=relaxed, progress=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = predict(structures, "elastic", progress=True)
    named = [str(w.message) for w in caught if "no bulk-modulus prior" in str(w.message)]
    out = {"n": len(records), "without_prior": int((~got).sum()), "warned": named[0].split(" ")[0] if named else "0",
           "without": [r.formula for r, g in zip(records, got) if not g]}
    for name, mask in (("with", got), ("without", ~got)):
        if mask.any():
            out[f"metrics_{name}"] = metrics(pred[mask], truth[mask])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        off = predict(structures, "elastic", progress=True, bulk_prior=False)
    out["metrics_all"], out["metrics_all_no_bulk_prior"] = metrics(pred, truth), metrics(off, truth)
    if cap is not None and (~got).any():
        without = np.flatnonzero(~got)
        again, now, seconds = with_cap([structures[i] for i in without], cap, relaxed)
        capped = pred.copy()
        capped[without] = again
        out[f"relax_max_{cap}"] = {"prior_now": int(now.sum()), "seconds": seconds,
                                   "metrics_all": metrics(capped, truth), "metrics_all_before": metrics(pred, truth)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--relax-max", type=int, help="also predict the crystals without a prior with this cap")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    row = {"commit": git_commit(), "data_sha256_16": data_hash("elastic"),
           **{split: coverage(split, args.relax_max) for split in ("val", "test")}}
    row["wall_s"] = time.time() - t0
    append_row("bulk_prior_coverage.jsonl", row)
    for split in ("val", "test"):
        r = row[split]
        line = "; ".join(f"{name}: " + ", ".join(f"{k} {v:.3g}" for k, v in r[f"metrics_{name}"].items())
                         for name in ("with", "without") if f"metrics_{name}" in r)
        print(f"{split}: {r['without_prior']} of {r['n']} without a prior (warned: {r['warned']}); {line}")
        print("  all, without -> with the prior: " + ", ".join(
            f"{k} {r['metrics_all_no_bulk_prior'][k]:.3g} -> {v:.3g}" for k, v in r["metrics_all"].items()))
        if (c := r.get(f"relax_max_{args.relax_max}")) is not None:
            print(f"  cap {args.relax_max}: {c['prior_now']} of them get a prior ({c['seconds']:.0f} s); all: "
                  + ", ".join(f"{k} {c['metrics_all_before'][k]:.3g} -> {v:.3g}" for k, v in c["metrics_all"].items()))


if __name__ == "__main__":
    main()
