"""Rewrap what nbdev generates in tensor_nb/ to 120 columns: the `__all__` lists and the `_modidx.py` index.

nbdev 2.3.31 wraps `__all__` at 120 characters *before* prefixing `__all__ = ` (first lines reach 130) and prints
the index at 160. Run after `nbdev_export` (`.ci/run` does; a second run changes nothing).
"""

import ast
import re
from pathlib import Path
from pprint import pformat
from textwrap import TextWrapper

WRAP = TextWrapper(width=120, initial_indent="__all__ = ", subsequent_indent=" " * 11, break_long_words=False)
ALL = re.compile(r"(?<=# %% auto 0\n)__all__ = \[.*?\]\n", re.S)

for path in sorted((Path(__file__).resolve().parents[1] / "tensor_nb").glob("*.py")):
    text = path.read_text()
    m = ALL.search(text)
    if m:
        names = ast.literal_eval(m.group(0).split("=", 1)[1].strip())
        new = "\n".join(WRAP.wrap(str(names))) + "\n"
        if new != m.group(0):
            path.write_text(text[: m.start()] + new + text[m.end():])



def index_source(d: dict) -> str:
    "The nbdev index as Python, one symbol per line (its location on the next line when the two pass 120 columns)."
    lines = ["d = {", "    'settings': {"] + [f"        {k!r}: {v!r}," for k, v in d["settings"].items()]
    lines += ["    },", "    'syms': {"]
    for module, syms in d["syms"].items():
        lines.append(f"        {module!r}: {{")
        for name, where in syms.items():
            one = f"            {name!r}: {where!r},"
            lines += [one] if len(one) <= 120 else [f"            {name!r}:", f"                {where!r},"]
        lines.append("        },")
    return "\n".join(lines + ["    },", "}"]) + "\n"


index = Path(__file__).resolve().parents[1] / "tensor_nb" / "_modidx.py"
head, _, body = index.read_text().partition("d = ")
d = ast.literal_eval(body)
wrapped = head + index_source(d)
if wrapped != index.read_text():
    index.write_text(wrapped)
