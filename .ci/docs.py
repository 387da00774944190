"""Build the documentation site from the notebooks, in reading order.

nbdev_docs needs Quarto, which cannot be installed here (PyPI's quarto-cli downloads its binary at
build time; Debian has no package), so this builds what is possible without it: every notebook
executed and rendered to HTML by nbconvert, plus an index page with the sidebar in reading order.
Where Quarto exists, `nbdev_docs` builds the full site from nbs/_quarto.yml and nbs/sidebar.yml.

    python .ci/docs.py [--out _docs] [--no-execute]
"""

import argparse
import html
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def title_of(nb: Path) -> str:
    for cell in json.loads(nb.read_text())["cells"]:
        if cell["cell_type"] == "markdown":
            first = "".join(cell["source"]).strip().splitlines()[0]
            return first.lstrip("# ").strip()
    return nb.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "_docs"))
    parser.add_argument("--no-execute", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    notebooks = sorted((ROOT / "nbs").glob("*.ipynb"), key=lambda p: (p.stem != "index", p.stem))
    links = []
    for nb in notebooks:
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--output-dir",
            str(out.resolve()),
            str(nb),
        ]
        if not args.no_execute:
            cmd[4:4] = ["--execute", "--ExecutePreprocessor.timeout=1200"]
        subprocess.run(cmd, check=True, cwd=nb.parent, capture_output=True)
        links.append(f"<li><a href='{nb.stem}.html' target='page'>{html.escape(title_of(nb))}</a></li>")
    (out / "site.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>tensor_nb</title><style>"
        "body{margin:0;display:flex;font-family:sans-serif}"
        "nav{width:19em;padding:1em;background:#f4f4f4;height:100vh;overflow:auto}"
        " iframe{flex:1;border:0;height:100vh}</style></head>"
        f"<body><nav><h3>tensor_nb</h3><ol start='0'>{''.join(links)}</ol></nav>"
        "<iframe name='page' src='index.html'></iframe></body></html>"
    )
    print(f"{len(notebooks)} notebooks -> {out / 'site.html'}")


if __name__ == "__main__":
    main()
