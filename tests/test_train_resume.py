"""Killing `tensor-nb train` and rerunning the same command ends with the same metrics as an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ARGS = [
    "--task",
    "abo3_dielectric",
    "--epochs",
    "5",
    "--batch-size",
    "16",
    "--model-kw",
    '{"mul": 8, "lmax": 2, "num_layers": 1}',
]


def run_train(out: Path, env: dict) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-c",
        "from tensor_nb.cli import main; raise SystemExit(main())",
        "train",
        *ARGS,
        "--out",
        str(out),
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_and_resume(data_dir, tmp_path):
    env = {**os.environ, "TENSOR_NB_DATA": str(data_dir), "TENSOR_NB_CACHE": str(tmp_path / "cache")}
    straight = tmp_path / "straight"
    assert run_train(straight, env).wait(timeout=600) == 0
    killed = tmp_path / "killed"
    proc = run_train(killed, env)
    deadline = time.time() + 600
    while not (killed / "checkpoint.pt").exists():  # wait for the first completed epoch, then kill mid-run
        assert proc.poll() is None and time.time() < deadline, "training ended before it could be interrupted"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / "results.json").exists()
    assert run_train(killed, env).wait(timeout=600) == 0
    a, b = (json.loads((d / "results.json").read_text()) for d in (straight, killed))
    timeless = lambda history: [{k: v for k, v in h.items() if k != "seconds"} for h in history]  # epoch times vary
    assert a["test"] == b["test"] and timeless(a["history"]) == timeless(b["history"])
