"""The moduli head (07d_moduli) on a trained elastic backbone model: validation and test metrics without and with it.

Trains a ModuliHead on invariant summaries of the backbone features of the elastic training crystals and of the MP
binaries with K_VRH and G_VRH (`moduli_data`: the log_k_vrh and log_g_vrh tasks minus the elastic validation and test
materials; --no-binaries: the elastic training crystals only), each member stopped on the elastic validation
crystals; picks the blend weights on them (`fit_moduli_weights`); reports both splits beside the trivial predictors
and the head's own K_VRH and G_VRH MAE; appends a row to benchmarks/results/moduli_prior.jsonl.

    python benchmarks/moduli_prior.py tensor_nb/assets/elastic.pt [--ship]   # ~15 min on 2 cores, features cached

--ship writes the head into the model file, and its test metrics and a note into the model card beside it.
"""

import argparse
import sys
import time

import numpy as np
import torch

from record import append_row, data_hash, git_commit
from ship_models import compare, elastic_model_inputs, reship
from tensor_nb.conventions import full_to_voigt
from tensor_nb.metrics import vrh_moduli
from tensor_nb.moduli import MODULI_HIDDEN, MODULI_MEMBERS, fit_moduli_head, fit_moduli_weights, pack_moduli_prior
from tensor_nb.train import MODULI_TASKS, evaluated_coefficients, feature_summaries, moduli_data


def moduli_prior_note(prior: dict) -> str:
    "The model card's sentence on an elastic model's moduli head."
    return (f"K_VRH and G_VRH moved towards those of a moduli head ({prior['members']} MLPs on invariant backbone "
            f"summaries, trained on {prior['trained_on']}) with weights {prior['weights'][0]:g} and "
            f"{prior['weights'][1]:g}, chosen on the validation crystals by the K_VRH and G_VRH MAE; 07d_moduli")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a model.pt of an elastic task on a backbone")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--members", type=int, default=MODULI_MEMBERS)
    parser.add_argument("--hidden", type=int, default=MODULI_HIDDEN)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-binaries", action="store_true", help="train on the elastic training crystals only")
    parser.add_argument("--ship", action="store_true", help="write the head into the model file and its card")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded, data, cfg, inputs, rows = elastic_model_inputs(args.model, backbone=True)
    meta = {k: v for k, v in loaded.meta.items() if k != "moduli_prior"}  # a refit replaces a shipped head
    tr, va, te = rows["train"], rows["val"], rows["test"]
    t0 = time.time()
    z = feature_summaries(inputs, list(range(len(data.ids))), norms=True)
    truth = np.stack(data.tensors)
    moduli = np.stack(vrh_moduli(full_to_voigt(truth, "elastic")), 1)
    train, trained_on = np.array(tr), f"the {len(tr)} elastic training crystals"
    if not args.no_binaries:
        extra = moduli_data(cfg, data, loaded.model, progress=True)
        train = np.concatenate([train, len(z) + np.arange(len(extra.ids))])
        z = np.concatenate([z, feature_summaries(extra.inputs, list(range(len(extra.ids))), norms=True)])
        moduli = np.concatenate([moduli, extra.moduli.numpy()])
        trained_on += f" and {len(extra.ids)} MP crystals of {' and '.join(MODULI_TASKS)}"
    head = fit_moduli_head(z, moduli, train, np.array(va), args.hidden, args.members, seed=args.seed)
    coeffs = evaluated_coefficients(loaded.model, inputs, data.structures, loaded.scaler, va, meta.get("bulk_prior"))
    weights = fit_moduli_weights(coeffs, *head.moduli(z[va]), truth[va])
    prior = pack_moduli_prior(head, weights, trained_on=trained_on, selected_by="validation K_VRH and G_VRH MAE")
    row = {"model": args.model, "task": meta["task"], "commit": git_commit(), "data_sha256_16": data_hash(meta["task"]),
           "command": " ".join(sys.argv), "trained_on": trained_on, "members": args.members, "hidden": args.hidden,
           "weights": list(weights)}
    for split, rows in (("val", va), ("test", te)):
        k, g = head.moduli(z[rows])
        row[f"{split}_head"] = {"k_vrh_mae": float(np.abs(k - moduli[rows, 0]).mean()),
                                "g_vrh_mae": float(np.abs(g - moduli[rows, 1]).mean())}
    m = compare(loaded, inputs, data, {"val": va, "test": te}, tr,
                {"without": (meta.get("bulk_prior"), meta),
                 "with": (meta.get("bulk_prior"), {**meta, "moduli_prior": prior})}, row)
    print(f"weights {weights}; the head alone: {row['val_head']} (val), {row['test_head']} (test)")
    row["wall_s"] = round(time.time() - t0)
    append_row("moduli_prior.jsonl", row)
    if args.ship:
        reship(args.model, loaded, {**meta, "moduli_prior": prior}, m, moduli_prior=moduli_prior_note(prior))


if __name__ == "__main__":
    main()
