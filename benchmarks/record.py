"""What every benchmark records: the git commit, the data snapshot's hash, the command, and a training run's row."""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch

from tensor_nb.cache import file_hash
from tensor_nb.data import TASKS, data_dir, dataset_splits, get_task, load_task

RESULTS = Path(__file__).parent / "results"
RUN_KEYS = ("parameters", "n_train", "n_moduli", "n_test", "epochs_run", "best_epoch", "config", "val", "test",
            "baselines", "bulk_prior", "log_floor")
"What a row keeps of `train`'s results."


def git_commit() -> str:
    "The short hash of the checked-out commit."
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def machine() -> dict:
    "The CPU model, its count and last-level cache: speeds and their ratios move with them (see decompose.py)."
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "") if Path("/proc/cpuinfo").exists() else ""
    l3 = Path("/sys/devices/system/cpu/cpu0/cache/index3/size")
    return dict(cpu=model, cpus=os.cpu_count(), l3_cache=l3.read_text().strip() if l3.exists() else "")


def data_hash(task: str) -> str:
    "The first 16 hex digits of the SHA-256 of the task's data snapshot."
    return file_hash(next(data_dir().glob(f"{get_task(task).snapshot}.jsonl*")))[:16]


def split_records(task: str, split: str) -> list:
    "The records of a task's split ('train', 'val' or 'test'), in the data set's order."
    ds = load_task(task, progress=False)
    ids = set(dataset_splits(ds)[split])
    return [r for r in ds.records if r.material_id in ids]


def run_row(res: dict, run_dir, t0: float, **fields) -> dict:
    """A result row: `fields`, provenance, wall time (at least every epoch's time, across resumes) and the metrics of
    `train`'s results `res`."""
    return dict(**fields, commit=git_commit(), data_sha256_16=data_hash(res["config"]["task"]),
                command=" ".join(sys.argv), run_dir=str(run_dir),
                wall_s=max(time.time() - t0, res.get("train_time_s", 0.0)),
                **{k: res[k] for k in RUN_KEYS if k in res})


def test_line(res: dict) -> str:
    "A run's test MAE beside the trivial predictors, for progress lines: 'test MAE x (mean pred. y, zero z)'."
    m = lambda d: f"{d['mean_component_mae']:.4g}"
    b = res["baselines"]
    return f"test MAE {m(res['test'])} (mean pred. {m(b['mean'])}, zero {m(b['zero'])})"


def append_row(name: str, row: dict) -> None:
    "Append a row to benchmarks/results/<name>."
    with (RESULTS / name).open("a") as f:
        f.write(json.dumps(row) + "\n")


def derived_data(prefix: str, snapshots: dict, tasks: list) -> Path:
    """Point this process at a temporary data folder: links to every snapshot of the data folder, plus `snapshots`
    (file name -> its records) written there, with `tasks` (tensor_nb.data.Task) registered for this process only."""
    source = data_dir()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    for f in source.glob("*.jsonl*"):
        (folder / f.name).symlink_to(f.resolve())
    for name, records in snapshots.items():
        with gzip.open(folder / name, "wt") as out:
            out.writelines(json.dumps(r) + "\n" for r in records)
    for task in tasks:
        TASKS[task.name] = task
    os.environ["TENSOR_NB_DATA"] = str(folder)
    return folder


def experiment_args(doc: str, name: str, switches: dict[str, str] | None = None,
                    options: dict[str, dict] | None = None) -> argparse.Namespace:
    """The --runs (default ../runs/<name>) and --threads options of an experiment that trains, its on/off
    `switches` (name -> help) and its other `options` (name -> keywords of `add_argument`), parsed; torch set to
    those threads and warnings off (the out-of-domain notes of the experiment's helper predictions)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", default=str(Path(__file__).resolve().parents[2] / "runs" / name))
    parser.add_argument("--threads", type=int, default=2)
    for switch, text in (switches or {}).items():
        parser.add_argument(f"--{switch}", action="store_true", help=text)
    for option, keywords in (options or {}).items():
        parser.add_argument(f"--{option}", **keywords)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    return args
