"""The trainer under torchrun with 2 CPU processes (DistributedDataParallel, gloo) on a tiny task."""

import json
import os
import subprocess
import sys


def test_torchrun_two_processes(data_dir, tmp_path):
    env = {
        **os.environ,
        "TENSOR_NB_DATA": str(data_dir),
        "TENSOR_NB_CACHE": str(tmp_path / "cache"),
        "OMP_NUM_THREADS": "1",
    }
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--master_port=29517",
        "-m",
        "tensor_nb.cli",
        "train",
        "--task",
        "abo3_dielectric",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--threads",
        "1",
        "--model-kw",
        '{"mul": 8, "lmax": 2, "num_layers": 1}',
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads((out / "results.json").read_text())
    assert res["processes"] == 2 and len(res["history"]) == 2 and res["test"]["fnorm"] > 0
