"""Heads on the pretrained SevenNet backbone: frozen or fine-tuned, at several training fractions and seeds.

Each run is `tensor_nb.train.train` (resumable: rerun the same command to continue). A row per run (validation and
test metrics beside the trivial predictors, settings, git commit, data hash, wall time) is appended to
benchmarks/results/backbone.jsonl; run folders go to --runs (default ../runs/backbone).

    python benchmarks/backbone.py --tasks elastic,dielectric --modes freeze --fractions 1 --seeds 0
"""

import argparse
import json
import time
from pathlib import Path

import torch

from record import append_row, run_row, test_line
from tensor_nb.train import TaskData, TrainConfig, task_data, train

HEAD = {"epochs": 150, "patience": 30, "lr": 2e-3, "weight_decay": 1e-2, "batch_size": 32, "target_scale": "global"}
"Settings of every head run (chosen on the validation split of the elastic set)."
FINETUNE = {"epochs": 30, "patience": 8, "lr": 5e-4}
"Fine-tuning runs train the backbone's last blocks too: fewer epochs, a smaller learning rate."


def with_extra_training(data: TaskData, extra: TaskData) -> TaskData:
    """`data` with every record of `extra` (a task of the same kind) added to its training split, except those whose
    composition is also a validation or test material of `data` (the same compound computed twice would leak)."""
    assert extra.kind == data.kind and not data.per_atom, (extra.kind, data.kind)
    idx = {m: i for i, m in enumerate(data.ids)}
    held = {data.structures[idx[m]].composition.reduced_formula for m in data.splits["val"] + data.splits["test"]}
    keep = [i for i, s in enumerate(extra.structures) if s.composition.reduced_formula not in held]
    print(f"{len(keep)} of {len(extra.ids)} extra training records kept ({len(extra.ids) - len(keep)} share a "
          "composition with a validation or test material)")
    ids = [extra.ids[i] for i in keep]
    return TaskData(data.kind, data.ids + ids, data.structures + [extra.structures[i] for i in keep],
                    torch.cat([data.targets, extra.targets[keep]]), data.tensors + [extra.tensors[i] for i in keep],
                    {**data.splits, "train": data.splits["train"] + ids})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="elastic,dielectric,piezoelectric")
    parser.add_argument("--backbone", default="sevennet-0")
    parser.add_argument("--modes", default="freeze", help="freeze and/or finetune, comma-separated")
    parser.add_argument("--fractions", default="1.0")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--loss", default="huber")
    parser.add_argument("--model-kw", default='{"mul": 16}')
    parser.add_argument("--moduli-weight", type=float, default=0.0, help="elastic: auxiliary K/G loss on MP binaries")
    parser.add_argument("--bulk-prior", action="store_true", help="elastic: blend K_V with SevenNet-0's")
    parser.add_argument("--log-target", action="store_true", help="dielectric, elastic: learn the matrix logarithm")
    parser.add_argument("--tensor-loss", action="store_true", help="with --log-target, dielectric: loss on exp")
    parser.add_argument("--lr", type=float, default=HEAD["lr"], help="peak learning rate of a frozen-backbone head")
    parser.add_argument("--weight-decay", type=float, default=HEAD["weight_decay"], help="AdamW's weight decay")
    parser.add_argument("--runs", default=str(Path(__file__).resolve().parents[2] / "runs" / "backbone"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--extra-train", default="", help="another task of the same kind whose records join training")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for task in args.tasks.split(","):
        data = task_data(task, progress=False)
        if args.extra_train:
            data = with_extra_training(data, task_data(args.extra_train, progress=False))
        for mode in args.modes.split(","):
            for fraction in map(float, args.fractions.split(",")):
                for seed in map(int, args.seeds.split(",")):
                    defaults = {**HEAD, **(FINETUNE if mode == "finetune" else {})}
                    settings = {**defaults, "weight_decay": args.weight_decay,
                                **({"lr": args.lr} if mode == "freeze" else {})}
                    cfg = TrainConfig(
                        task=task,
                        model=args.backbone,
                        seed=seed,
                        train_fraction=fraction,
                        loss=args.loss,
                        finetune=mode == "finetune",
                        model_kw=json.loads(args.model_kw),
                        moduli_weight=args.moduli_weight if task == "elastic" else 0.0,
                        bulk_prior=args.bulk_prior and task == "elastic",
                        log_target=args.log_target,
                        tensor_loss=args.tensor_loss,
                        **settings,
                    )
                    kw = "".join(f"_{k}{v}" for k, v in sorted(cfg.model_kw.items()) if k != "mul" or v != 16)
                    kw += f"_moduli{cfg.moduli_weight:g}" if cfg.moduli_weight else ""
                    kw += "_bulk" if cfg.bulk_prior else ""
                    kw += "_log" if cfg.log_target else ""
                    kw += "_tensorloss" if cfg.tensor_loss else ""
                    kw += f"_lr{cfg.lr:g}" if cfg.lr != defaults["lr"] else ""
                    kw += f"_wd{cfg.weight_decay:g}" if cfg.weight_decay != defaults["weight_decay"] else ""
                    kw += f"_plus_{args.extra_train}" if args.extra_train else ""
                    run_dir = Path(args.runs) / f"{task}_{args.backbone}_{mode}_{args.loss}_{fraction:g}_{seed}{kw}"
                    t0 = time.time()
                    res = train(cfg, run_dir, data, progress=False)
                    append_row("backbone.jsonl", run_row(res, run_dir, t0, task=task, model=args.backbone,
                                                         mode=mode, fraction=fraction, seed=seed,
                                                         **({"extra_train": args.extra_train} if args.extra_train
                                                            else {})))
                    t = res["test"]
                    extra = f"  K {t['k_vrh_mae']:.3g}  G {t['g_vrh_mae']:.3g}" if "k_vrh_mae" in t else ""
                    print(f"{task:14s} {mode:8s} {fraction:4.0%} seed {seed}: {test_line(res)}{extra}  "
                          f"val {res['val']['mean_component_mae']:.4g}  {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
