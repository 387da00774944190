__version__ = "0.1.0"

# The names a user starts with, loaded on first use so that `import tensor_nb` stays fast (torch, e3nn and pymatgen
# load when a function needs them). Written by hand: nbdev only updates the version line above.
_LAZY = {"predict": "prediction", "to_irreps": "decompose", "from_irreps": "decompose", "irreps": "decompose",
         "crystal_graph": "graphs"}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"tensor_nb.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'tensor_nb' has no attribute {name!r}")
