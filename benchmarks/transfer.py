"""Transfer grid: blind training vs. pretrained encoders (scalar or tensor tasks, chains), frozen or fine-tuned,
learning curves over training fractions, several seeds. One command regenerates it:

    python benchmarks/transfer.py --model cgcnn --targets dielectric,piezoelectric,elastic \
        --fractions 0.1,0.25,0.5,1 --seeds 0,1,2 [--epochs 30] [--threads 1]

Sources are trained once (seed 0) on their whole training split, minus every material in a target's validation or
test split and every crystal with the formula and space group of one (no leakage into the test of any target, also
from sets without MP ids): band gap and formation energy (mp_scalar), elastic, dielectric, the electronic dielectric
tensor of the phonon database, and the chain elastic -> dielectric (fine-tuned). Each target then runs blind and
from each of its sources with the encoder frozen (new head only) or fine-tuned. Rows are appended as runs finish
(seed-major: every target at seed 0 first), each with the command, git commit, data hash, wall time, test metrics
and the zero/mean predictors, to benchmarks/results/transfer.jsonl; `python benchmarks/summarize.py` tabulates mean
and spread over seeds. Runs are resumable: rerunning the command skips finished runs (their folders under --runs
hold results.json)."""

import argparse
import json
import time
from pathlib import Path

import torch

from record import append_row, run_row, test_line
from tensor_nb.data import TASKS
from tensor_nb.symmetry import SYMPREC
from tensor_nb.train import TrainConfig, task_data, train

SOURCES = {
    "dielectric": ["band_gap", "formation_energy", "elastic", "electronic_dielectric"],
    "piezoelectric": ["band_gap", "formation_energy", "elastic", "dielectric", "elastic-dielectric"],
    "elastic": ["band_gap", "formation_energy"],
}
"Pretrained encoders tried for each target ('a-b' is the chain a -> b, fine-tuned)."

SIZES = {"cgcnn": {}, "seconv": {"lmax": 4}}


def formula_and_group(structure) -> tuple:
    "(reduced formula, space-group number): how sets without MP ids are matched to MP materials."
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    return structure.composition.reduced_formula, SpacegroupAnalyzer(structure, SYMPREC).get_space_group_number()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cgcnn", choices=sorted(SIZES))
    parser.add_argument("--targets", default="dielectric,piezoelectric,elastic")
    parser.add_argument("--fractions", default="0.1,0.25,0.5,1")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument(
        "--sources",
        default="",
        help="only these sources (comma-separated, e.g. elastic,elastic-dielectric); default: all",
    )
    parser.add_argument("--skip-blind", action="store_true", help="only pretrained runs (blind ones recorded already)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument(
        "--source-epochs", type=int, default=10, help="epochs of the scalar pretraining runs (30k crystals)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", default=str(Path(__file__).resolve().parents[2] / "runs" / "transfer"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs, kw = Path(args.runs) / args.model, SIZES[args.model]
    targets = args.targets.split(",")
    sources = {t: [s for s in SOURCES[t] if not args.sources or s in args.sources.split(",")] for t in targets}
    data = {t: task_data(t, progress=False) for t in {"elastic", "dielectric", "piezoelectric", *targets}}
    held_out = {
        m for t in ("elastic", "dielectric", "piezoelectric") for m in data[t].splits["val"] + data[t].splits["test"]
    }
    held_keys = {
        formula_and_group(s)
        for t in ("elastic", "dielectric", "piezoelectric")
        for m, s in zip(data[t].ids, data[t].structures)
        if m in held_out
    }

    def run(name: str, cfg: TrainConfig, task_data_, chain: list, mode: str, record: bool = True) -> Path:
        folder = runs / name
        done = (folder / "results.json").exists()
        t0 = time.time()
        res = (
            json.loads((folder / "results.json").read_text())
            if done
            else train(cfg, folder, task_data_, progress=False)
        )
        if record and not done:
            append_row("transfer.jsonl", run_row(res, folder, t0, target=cfg.task, chain=chain, mode=mode,
                                                 fraction=cfg.train_fraction, seed=cfg.seed, model=args.model))
            print(f"{'->'.join(chain):45s} {mode:8s} f={cfg.train_fraction:<4} seed {cfg.seed}  {test_line(res)}  "
                  f"{time.time() - t0:.0f} s", flush=True)
        return folder / "model.pt"

    # sources: trained once, without any target's validation or test materials
    source_pt = {}
    for src in sorted({s for t in targets for s in sources[t]}, key=lambda s: s.count("-")):
        steps = src.split("-")
        previous = ""
        for i, step in enumerate(steps):
            if step not in data:
                data[step] = task_data(step, progress=False)
            own = set(data[step].splits["val"] + data[step].splits["test"])
            twins = {m for m, st in zip(data[step].ids, data[step].structures) if formula_and_group(st) in held_keys}
            epochs = args.source_epochs if TASKS[step].kind == "scalar" else args.epochs
            cfg = TrainConfig(
                task=step, model=args.model, epochs=epochs, patience=10, model_kw=kw, init_encoder=previous
            )
            previous = str(
                run(
                    f"source_{'-'.join(steps[:i + 1])}",
                    cfg,
                    data[step].without((held_out | twins) - own),
                    steps[: i + 1],
                    "source",
                    record=False,
                )
            )
        source_pt[src] = previous
        print(f"source {src}: {previous}", flush=True)

    for seed in [int(s) for s in args.seeds.split(",")]:
        for target in targets:
            for fraction in [float(f) for f in args.fractions.split(",")]:
                base = dict(
                    task=target,
                    model=args.model,
                    epochs=args.epochs,
                    patience=10,
                    train_fraction=fraction,
                    model_kw=kw,
                    seed=seed,
                )
                if not args.skip_blind:
                    run(f"{target}_blind_{fraction}_{seed}", TrainConfig(**base), data[target], [target], "blind")
                for src in sources[target]:
                    for mode in ("freeze", "finetune"):
                        cfg = TrainConfig(**base, init_encoder=source_pt[src], freeze_encoder=mode == "freeze")
                        run(
                            f"{target}_{src}_{mode}_{fraction}_{seed}",
                            cfg,
                            data[target],
                            src.split("-") + [target],
                            mode,
                        )


if __name__ == "__main__":
    main()
