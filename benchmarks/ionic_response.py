"""How much of the DFT piezoelectric labels does the ionic response of a pretrained potential explain?

For the validation and test crystals of the piezoelectric set: SevenNet-0's force constants and internal-strain
tensor (`tensor_nb.potential.force_constants`, cached per structure), Born charges from the shipped `born_charges`
model, and `ionic_response` give an ionic piezoelectric tensor with no training on piezoelectric data. Reports, per
split, its mean component MAE beside the zero predictor and the shipped piezoelectric model, the same with a scale
chosen on validation, and how often its direction agrees with the label's (cosine > 0.5) or is opposite (< -0.5)
among crystals where both are non-negligible (listed with their polarity). Appends a row to
benchmarks/results/ionic_response.jsonl.

    python benchmarks/ionic_response.py                      # ~20 s per 12-atom crystal, cached for reruns
    python benchmarks/ionic_response.py --splits val --no-record   # fill the cache with one process per split
"""

import argparse
import time
import warnings

import numpy as np
import torch
from tqdm.auto import tqdm

from record import append_row, data_hash, git_commit, split_records
from tensor_nb.cache import cache_get_torch, cache_key, cache_put_torch
from tensor_nb.graphs import structure_key
from tensor_nb.metrics import tensor_metrics
from tensor_nb.potential import POTENTIAL, MODE_FLOOR, force_constants, ionic_response
from tensor_nb.prediction import predict
from tensor_nb.symmetry import is_polar

SCALES = (0.0, 0.25, 0.5, 0.75, 1.0)
"Candidate factors on the ionic estimate (0 is the zero predictor), chosen on validation."


def cached_force_constants(structure) -> tuple[np.ndarray, np.ndarray]:
    "force_constants of a structure under POTENTIAL, from the cache when there."
    key = cache_key("force_constants", 1, POTENTIAL, structure_key(structure))
    hit = cache_get_torch(key, "force_constants")
    if hit is None:
        hit = tuple(map(torch.from_numpy, force_constants(structure)))
        cache_put_torch(key, hit, "force_constants")
    return hit[0].numpy(), hit[1].numpy()


def alignment(est: np.ndarray, truth: np.ndarray, records: list, small: float = 0.1) -> dict:
    """Counts of crystals whose estimate points along (cosine > 0.5) or against (< -0.5) a label of norm > small
    (estimate > small / 2), and those crystals' cosines, norms and polarity."""
    a, b = est.reshape(len(est), -1), truth.reshape(len(truth), -1)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    both = np.flatnonzero((nb > small) & (na > small / 2))
    cos = (a[both] * b[both]).sum(1) / (na[both] * nb[both])
    crystals = [{"material_id": records[i].material_id, "polar": is_polar(records[i].structure), "cos": float(c),
                 "norm_label": float(nb[i]), "norm_estimate": float(na[i])} for i, c in zip(both, cos)]
    return {"compared": len(both), "along": int((cos > 0.5).sum()), "against": int((cos < -0.5).sum()),
            "crystals": crystals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="val,test")
    parser.add_argument("--floor", type=float, default=MODE_FLOOR)
    parser.add_argument("--no-record", action="store_true", help="only fill the cache")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    rows = {}
    for split in args.splits.split(","):
        records = sorted(split_records("piezoelectric", split), key=lambda r: len(r.structure))
        structures = [r.structure for r in records]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # out-of-domain notes of the Born-charge model
            born = predict(structures, "born_charges", progress=False)
            model = np.stack(predict(structures, "piezoelectric", progress=False))
        est = np.stack([ionic_response(z, *cached_force_constants(s), s.volume, args.floor)[1]
                        for s, z in zip(tqdm(structures, desc=f"{split} force constants"), born)])
        rows[split] = est, model, np.stack([r.tensor for r in records]), records
    if args.no_record or set(rows) != {"val", "test"}:
        return
    mae = lambda p, t: tensor_metrics(p, t, "piezoelectric")["mean_component_mae"]
    val_est, _, val_truth, _ = rows["val"]
    scale = SCALES[int(np.argmin([mae(c * val_est, val_truth) for c in SCALES]))]
    row = {"task": "piezoelectric", "potential": POTENTIAL, "born_charges": "shipped born_charges model",
           "floor_eV_per_A2": args.floor, "scale_chosen_on_val": scale}
    for split, (est, model, truth, records) in rows.items():
        row[split] = {"n": len(truth), "ionic_estimate": mae(est, truth), "scaled_estimate": mae(scale * est, truth),
                      "zero": mae(0 * truth, truth), "shipped_model": mae(model, truth),
                      **alignment(est, truth, records)}
    row.update(commit=git_commit(), data_sha256_16=data_hash("piezoelectric"), wall_s=round(time.time() - t0, 1))
    append_row("ionic_response.jsonl", row)
    print({split: {k: v for k, v in row[split].items() if k != "crystals"} for split in rows})


if __name__ == "__main__":
    main()
