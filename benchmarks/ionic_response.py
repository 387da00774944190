"""How much of the DFT piezoelectric or dielectric labels does the ionic response of a pretrained potential explain?

For the validation and test crystals of the task: SevenNet-0's force constants and internal-strain tensor
(`tensor_nb.potential.force_constants`, cached per structure), Born charges from the shipped `born_charges` model,
and `ionic_response` give an ionic tensor with no training on the task's data. The estimate is that tensor for
piezoelectric, and eps_inf from the shipped `electronic_dielectric` model plus it for dielectric. Reports, per split,
its mean component MAE beside the trivial predictors and the shipped model of the task, and the blend
(1 - w) shipped + w estimate with w chosen on validation, on the crystals that the potential finds stable at Gamma
(every optical eigenvalue > 0; the shipped model elsewhere). For piezoelectric w scales the estimate alone, and 0
(and every crystal the potential finds unstable) is the zero predictor. Also how often the estimate's direction
agrees with the label's (cosine > 0.5) or is opposite (< -0.5) among crystals where both are non-negligible
(piezoelectric; listed with their polarity). Appends a row to benchmarks/results/ionic_response.jsonl; with --ship
(dielectric), writes the blend and its figures into the shipped dielectric model card (`ionic`), from where
`predict(..., ionic=True)` reads them.

    python benchmarks/ionic_response.py                      # ~20 s per 12-atom crystal, cached for reruns
    python benchmarks/ionic_response.py --task dielectric --floor 2
    python benchmarks/ionic_response.py --task dielectric --ship
    python benchmarks/ionic_response.py --splits val --no-record   # fill the cache with one process per split
"""

import argparse
import json
import time
import warnings

import numpy as np
import torch

from record import append_row, data_hash, git_commit, split_records
from ship_models import refuse_refit
from tensor_nb.cards import ASSETS
from tensor_nb.metrics import tensor_metrics
from tensor_nb.potential import POTENTIAL, MODE_FLOOR, _on_each_core, force_constants, ionic_dielectric, ionic_response
from tensor_nb.potential import optical_modes
from tensor_nb.prediction import predict
from tensor_nb.symmetry import is_polar

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
"Candidate blend weights w of the estimate, chosen on validation (0: the zero predictor or the shipped model)."


def cosines(est: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    "(cosine, norm of the estimate, norm of the label) per crystal of tensors (N, 3, 3, 3)."
    a, b = est.reshape(len(est), -1), truth.reshape(len(truth), -1)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    return (a * b).sum(1) / np.maximum(na * nb, 1e-300), na, nb


def alignment(est: np.ndarray, truth: np.ndarray, records: list, small: float = 0.1) -> dict:
    """Counts of crystals whose estimate points along (cosine > 0.5) or against (< -0.5) a label of norm > small
    (estimate > small / 2), and those crystals' cosines, norms and polarity."""
    cos, na, nb = cosines(est, truth)
    both = np.flatnonzero((nb > small) & (na > small / 2))
    cos = cos[both]
    crystals = [{"material_id": records[i].material_id, "polar": is_polar(records[i].structure), "cos": float(c),
                 "norm_label": float(nb[i]), "norm_estimate": float(na[i])} for i, c in zip(both, cos)]
    return {"compared": len(both), "along": int((cos > 0.5).sum()), "against": int((cos < -0.5).sum()),
            "crystals": crystals}


def estimates(task: str, split: str, floor: float) -> tuple:
    """(estimate on every crystal, target: the estimate where the potential finds the crystal stable at Gamma and the
    blend's anchor (the shipped model, or zero for piezoelectric) elsewhere, whether it is stable, shipped model's
    prediction, labels, records) of a split, smallest crystals first. Dielectric targets come from the library's
    `ionic_dielectric` at weight 1: what `predict(..., ionic=True)` blends."""
    records = sorted(split_records(task, split), key=lambda r: len(r.structure))
    structures = [r.structure for r in records]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # out-of-domain notes of the models
        born = predict(structures, "born_charges", progress=False)
        model = np.stack(predict(structures, task, progress=False))
        electronic = (np.stack(predict(structures, "electronic_dielectric", progress=False)) if task == "dielectric"
                      else 0.0)
    fcs = _on_each_core(force_constants, structures, f"{split} force constants", True)  # one crystal per core
    part = 0 if task == "dielectric" else 1
    est = electronic + np.stack([ionic_response(z, *fc, s.volume, floor)[part]
                                 for s, z, fc in zip(structures, born, fcs)])
    if task == "dielectric":
        target, stable = ionic_dielectric(model, electronic, born, structures, 1.0, floor)
    else:
        stable = np.array([optical_modes(phi)[0].min() > 0 for phi, _ in fcs])
        target = est * stable[:, None, None, None]
    return est, target, stable, model, np.stack([r.tensor for r in records]), records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="piezoelectric", choices=("piezoelectric", "dielectric"))
    parser.add_argument("--splits", default="val,test")
    parser.add_argument("--floor", type=float, default=MODE_FLOOR)
    parser.add_argument("--no-record", action="store_true", help="only fill the cache")
    parser.add_argument("--ship", action="store_true", help="dielectric: write the blend into the model card")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recording = not args.no_record and set(args.splits.split(",")) == {"val", "test"}
    if recording:  # the blend's weight is chosen on the shipped model's validation answers
        refuse_refit(args.task)
    t0 = time.time()
    rows = {split: estimates(args.task, split, args.floor) for split in args.splits.split(",")}
    if not recording:
        return
    mae = lambda p, t: tensor_metrics(p, t, args.task)["mean_component_mae"]
    anchor = (lambda model: 0 * model) if args.task == "piezoelectric" else (lambda model: model)
    blend = lambda w, target, model: (1 - w) * anchor(model) + w * target  # the target is the anchor where unstable
    _, val_target, _, val_model, val_truth, _ = rows["val"]
    weight = WEIGHTS[int(np.argmin([mae(blend(w, val_target, val_model), val_truth) for w in WEIGHTS]))]
    mean = np.mean([r.tensor for r in split_records(args.task, "train")], 0)
    row = {"task": args.task, "potential": POTENTIAL, "born_charges": "shipped born_charges model",
           "electronic": "shipped electronic_dielectric model" if args.task == "dielectric" else "none",
           "floor_eV_per_A2": args.floor, "weight_chosen_on_val": weight}
    for split, (est, target, stable, model, truth, records) in rows.items():
        row[split] = {"n": len(truth), "stable": int(stable.sum()), "ionic_estimate": mae(est, truth),
                      "blend": mae(blend(weight, target, model), truth),
                      "zero": mae(0 * truth, truth), "mean": mae(mean + 0 * truth, truth),
                      "shipped_model": mae(model, truth),
                      **(alignment(est, truth, records) if args.task == "piezoelectric" else {})}
    row.update(commit=git_commit(), data_sha256_16=data_hash(args.task), wall_s=round(time.time() - t0, 1))
    append_row("ionic_response.jsonl", row)
    if args.ship and args.task == "dielectric":
        path = ASSETS / "dielectric.json"
        card = json.loads(path.read_text())
        card["ionic"] = {k: row[k] for k in ("potential", "born_charges", "electronic", "floor_eV_per_A2", "commit")}
        card["ionic"].update(weight=weight, selected_by="lowest validation mean component MAE of the blend weights "
                             f"{WEIGHTS} (benchmarks/ionic_response.py)",
                             **{split: {k: row[split][k] for k in ("n", "stable", "blend", "shipped_model", "mean")}
                                for split in ("val", "test")})
        path.write_text(json.dumps(card, indent=1) + "\n")
    print({split: {k: v for k, v in row[split].items() if k != "crystals"} for split in rows})


if __name__ == "__main__":
    main()
