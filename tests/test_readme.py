"""The README works when pasted: its Python blocks run, and so do its quick `tensor-nb` commands."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SLOW_OR_BLOCKING = ("serve", "train", "demo", "data", "lab")
"Subcommands left to their own tests: a server, training runs, the demo report and the data stack."


def readme_commands() -> list[str]:
    "The `tensor-nb` lines of the README's shell blocks, without their comments."
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("tensor-nb ")]


@pytest.mark.parametrize("block", re.findall(r"```python\n(.*?)```", README, re.S))
def test_python_blocks_run(block):
    exec(compile(block, "README.md", "exec"), {})


@pytest.mark.parametrize("command", [c for c in readme_commands() if shlex.split(c)[1] not in SLOW_OR_BLOCKING])
def test_commands_run(command):
    args = shlex.split(command)
    out = subprocess.run([sys.executable, "-m", "tensor_nb.cli", *args[1:]], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
