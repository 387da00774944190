"""Render README.md from nbs/index.ipynb (nbdev's readme_nb); `--check` fails when they differ.

nbdev 2 renders the README through Quarto, which cannot be installed here (PyPI's quarto-cli
downloads its binary at build time), so this small renderer keeps README and notebook in sync:
markdown cells verbatim, code cells as fenced Python.
"""

import json
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def render() -> str:
    cells = json.loads((root / "nbs" / "index.ipynb").read_text())["cells"]
    parts = []
    for cell in cells:
        src = "".join(cell["source"]).strip()
        if not src:
            continue
        parts.append(src if cell["cell_type"] == "markdown" else f"```python\n{src}\n```")
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    text, readme = render(), root / "README.md"
    if "--check" in sys.argv:
        if readme.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `python .ci/readme.py`")
    else:
        readme.write_text(text)
