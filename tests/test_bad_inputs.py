"""Every bad input gets a named error (a TensorNbError, i.e. a ValueError) or the right answer, and leaves nothing
behind.

The cases of issue 17, one test each, plus hypothesis fuzzing of the tensor entry points, and a sweep of the exported
functions that read a crystal or an array (a non-structure or a NaN is named, never an AttributeError or a NaN
answer). CLI cases run the real console entry point in a subprocess and assert one line on stderr, a non-zero exit and
no traceback.
"""

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import DummySpecies, Lattice, Structure

from tensor_nb.decompose import (FUSED_MIN_ROWS, KERNEL_LAYOUTS, exact_surd, formula_of, from_irreps, fused_kernel,
                                 harmonic_coefficients, rank_of, symmetry_projector, to_irreps)
from tensor_nb.errors import (
    DataError,
    ModelFileError,
    SettingError,
    StructureError,
    TensorInputError,
    TensorNbError,
    UnknownNameError,
)
from tensor_nb.backbone import crystal_scalars, rotate_features, shell_harmonics
from tensor_nb.data import align_to_structure, doc_to_record, get_field
from tensor_nb.examples import EXAMPLE_TENSORS, example_cif, example_structure, example_structures
from tensor_nb.explorer import _picked, _read_upload, crystal_panel
from tensor_nb.graphs import crystal_hypergraph, graph_symmetry_defects, neighbor_edges, structure_key
from tensor_nb.harmonics import (cg_tensor, orthogonal_matrix, racah_cg, racah_sph_harm, real_cg, wigner_D,
                                 wigner_D_batch)
from tensor_nb.structures import as_structures, structure_label, vacuum_gap
from tensor_nb.conventions import full_to_voigt, rotate_tensor, voigt_index, voigt_to_full
from tensor_nb.metrics import is_stable, vrh_moduli
from tensor_nb.spd import spd_map
from tensor_nb.moduli import blend_moduli, fit_moduli_head
from tensor_nb.report import read_tensor, tensor_summary
from tensor_nb.transfer import run_transfer
from tensor_nb.symmetry import (atom_mapping, check_group, improper_site_map, l_character, proper_orbits,
                                site_operations, space_group_operations, split_l, symmetric_displacements, symmetrize,
                                symmetry_residual)
from tensor_nb.widgets import (born_charge_explorer, born_charge_parts, born_charge_table_html, decomposition_explorer,
                               mae_heatmap, material_explorer, save_figure, young_diagram_html)
from tensor_nb.young import dim_gl, dim_sn, partitions, perm_sign, young_components

ROWS = FUSED_MIN_ROWS + 10


def symmetric(kind: str, n: int, seed: int = 0) -> np.ndarray:
    rank = rank_of(kind)
    raw = np.random.default_rng(seed).normal(size=(n, 3**rank)) @ symmetry_projector(formula_of(kind))
    return raw.reshape(n, *(3,) * rank)


def cli(*args, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    "Run `tensor-nb ARGS` as a user would; the result of the process."
    return subprocess.run(
        [sys.executable, "-m", "tensor_nb.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def assert_user_error(proc: subprocess.CompletedProcess, message: str) -> None:
    "Non-zero exit, no traceback, and one error line (progress bars aside) that names the problem."
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("tensor-nb")]
    assert len(errors) == 1 and message in errors[0], proc.stderr


# 1. cached kernels are verified, never trusted
@pytest.mark.skipif(fused_kernel("dielectric") is None, reason="numba is not installed")
def test_tampered_kernel_cache_is_rewritten(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSOR_NB_CACHE", str(tmp_path))
    T = symmetric("piezoelectric", ROWS)
    expected = (
        T.reshape(ROWS, -1)
        @ np.asarray(__import__("tensor_nb.decompose", fromlist=["x"]).change_of_basis("piezoelectric")).T
    )
    fused_kernel.cache_clear()
    to_irreps(T, "piezoelectric")
    paths = sorted((tmp_path / "kernels").glob("to_irreps_*.py"))
    assert len(paths) == len(KERNEL_LAYOUTS)  # one per layout: all are compiled, the fastest runs
    for path in paths:
        source = path.read_text()
        for tampered in [source.replace("0.", "9.", 3), source + "\nraise SystemExit('ran code from the cache')\n", ""]:
            path.write_text(tampered)
            fused_kernel.cache_clear()
            assert np.allclose(to_irreps(T, "piezoelectric"), expected)
            assert path.read_text() == source  # rebuilt from the source generated in memory
    fused_kernel.cache_clear()


# 2. a diverging run exits non-zero and writes no model
def test_diverging_training_fails_without_a_model(data_dir, tmp_path):
    out = tmp_path / "run"
    proc = cli(
        "train",
        "--task",
        "abo3_dielectric",
        "--epochs",
        "3",
        "--lr",
        "1e12",
        "--batch-size",
        "16",
        "--model-kw",
        '{"mul": 4, "lmax": 2, "num_layers": 1}',
        "--out",
        str(out),
        env={"TENSOR_NB_DATA": str(data_dir), "TENSOR_NB_CACHE": str(tmp_path / "cache")},
    )
    assert_user_error(proc, "no model written")
    assert not (out / "model.pt").exists()


def test_two_processes_never_train_into_one_folder(tmp_path):
    "Two runs started at once into one folder both trained and exited 0: one's model beside the other's results."
    from tensor_nb.train import TrainConfig, _run_folder_lock, train

    out = tmp_path / "run"
    with _run_folder_lock(out):  # another training process holds it (a lock is per open file, also in one process)
        with pytest.raises(SettingError, match="in use by another training process"):
            train(TrainConfig(task="dielectric", model="cgcnn", epochs=1), out, progress=False)
    assert out.is_dir() and not any(out.iterdir())  # the holder's folder is left alone
    with pytest.raises(RuntimeError), _run_folder_lock(tmp_path / "new"):
        raise RuntimeError("the run failed before writing anything")
    assert not (tmp_path / "new").exists()  # a folder of a failed run that stayed empty is removed


def test_ionic_blend_of_a_one_atom_cell():
    """A one-atom cell has no optical mode: predict(..., ionic=True) raised numpy's 'zero-size array' ValueError. With
    no ionic part, its permittivity is the electronic one, with the ionic blend or without."""
    from tensor_nb.prediction import predict

    cu = Structure(Lattice.cubic(2.55), ["Cu"], [[0, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a metal, as predict warns
        eps, plain = predict(cu, "dielectric", ionic=True), predict(cu, "dielectric")
        electronic = predict(cu, "electronic_dielectric")
    assert np.isfinite(eps).all() and np.linalg.eigvalsh(eps).min() > 1
    assert np.allclose(eps, plain) and np.allclose(eps, electronic)


def test_another_runs_folder_is_refused_before_any_work(tmp_path):
    "Resuming into a folder of another configuration was refused only after the data and features were computed."
    from tensor_nb.train import TrainConfig, train

    out = tmp_path / "run"
    out.mkdir()
    torch.save({"config_key": "another run"}, out / "checkpoint.pt")

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"data.{name} read before the folder was checked")

    with pytest.raises(SettingError, match="belongs to another configuration"):
        train(TrainConfig(task="dielectric", model="cgcnn", epochs=1), out, data=Untouchable(), progress=False)


# 3. a cache that cannot be written never stops a computation
def test_unwritable_cache_still_computes(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TENSOR_NB_CACHE", str(blocker / "cache"))
    fused_kernel.cache_clear()
    T = symmetric("elastic", 5000)
    with pytest.warns(UserWarning, match="not writable"):
        x = to_irreps(T, "elastic")
    assert x.shape == (5000, 21)
    fused_kernel.cache_clear()


@pytest.mark.skipif(fused_kernel("dielectric") is None, reason="numba is not installed")
@pytest.mark.parametrize("where", ["source", "numba's cache"])
def test_full_disk_still_computes(tmp_path, monkeypatch, where):
    "A full disk refused the kernel's source file (or numba's cache beside it): an OSError out of to_irreps."
    import errno

    import tensor_nb.decompose as decompose

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("TENSOR_NB_CACHE", str(tmp_path))
    if where == "source":
        monkeypatch.setattr(decompose, "atomic_write_bytes", full)
    else:  # the kernel loads from its file, then the first call (compiling, writing numba's cache) fails
        load = decompose._load_kernel
        monkeypatch.setattr(decompose, "_load_kernel", lambda n, s, f: full if f.endswith(".py") else load(n, s, f))
    fused_kernel.cache_clear()
    T = symmetric("piezoelectric", ROWS)
    with pytest.warns(UserWarning, match="No space left on device"):
        x = to_irreps(T, "piezoelectric")
    assert np.allclose(x, T.reshape(ROWS, -1) @ decompose.change_of_basis("piezoelectric").T)
    fused_kernel.cache_clear()


def test_a_full_disk_names_the_file_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    "ENOSPC from a write named no file, and `demo --out new` left an empty (or half-written) folder behind."
    import errno

    import tensor_nb.cache as cache
    import tensor_nb.report as report
    from tensor_nb.cli import main as cli_main

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache.os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device") as e:
        cache.atomic_write_bytes(tmp_path / "a" / "x.bin", b"1")
    assert e.value.filename == str(tmp_path / "a" / "x.bin") and not list((tmp_path / "a").iterdir())
    monkeypatch.setattr(report, "example_structures", dict)  # no crystals to predict: straight to the writes
    out = tmp_path / "new" / "demo"
    assert cli_main(["demo", "--out", str(out)]) == 2
    assert "No space left on device" in capsys.readouterr().err and not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    assert cli_main(["demo", "--out", str(tmp_path / "old")]) == 2 and (tmp_path / "old").is_dir()  # not ours


def test_a_damaged_model_card_is_named(tmp_path, monkeypatch, capsys):
    "A truncated card in the package's assets gave a JSONDecodeError (a CLI traceback) for every task."
    import tensor_nb.cards as cards
    from tensor_nb.cli import main as cli_main

    (tmp_path / "dielectric.json").write_text('{"task": "diel')
    monkeypatch.setattr(cards, "ASSETS", tmp_path)
    with pytest.raises(ModelFileError, match="dielectric.json cannot be read"):
        cards.shipped_models()
    assert cli_main(["models"]) == 2 and "reinstall tensor_nb" in capsys.readouterr().err


def test_an_empty_cache_variable_is_unset(monkeypatch):
    "TENSOR_NB_CACHE= (empty) put the cache into the working directory (bulk/, graphs/ ... beside the user's files)."
    from tensor_nb.cache import cache_dir

    monkeypatch.setenv("TENSOR_NB_CACHE", "")
    assert cache_dir() == Path.home() / ".cache" / "tensor_nb"


def test_data_load_with_unwritable_cache(data_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = cli(
        "data", "load", "abo3_dielectric", "--data-dir", str(data_dir), env={"TENSOR_NB_CACHE": str(blocker / "c")}
    )
    assert proc.returncode == 0 and "usable records" in proc.stdout, proc.stderr


# 4. structures are validated where they enter, with a message naming the structure and the problem
def _bad_structures():
    nacl = example_structures()["NaCl"]
    flat = Structure(Lattice([[4, 0, 0], [0, 4, 0], [4, 4, 0]]), ["Na"], [[0, 0, 0]])
    nan = Structure(Lattice.cubic(4), ["Na"], [[0, 0, 0]])
    nan.lattice = Lattice(np.full((3, 3), np.nan))
    return {
        "overlapping": (Structure(Lattice.cubic(4), ["Na", "Cl"], [[0, 0, 0], [0, 0, 0.01]]), "overlapping sites"),
        "Na 1 A from its image": (Structure(Lattice.cubic(1), ["Na"], [[0, 0, 0]]), "covalent radii"),
        "Cs 2 A from Cs": (Structure(Lattice.cubic(8), ["Cs", "Cs"], [[0, 0, 0], [0.25, 0, 0]]), "covalent radii"),
        "Og": (Structure(Lattice.cubic(4), ["Og", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]), "Og"),
        "Rf": (Structure(Lattice.cubic(4), ["Rf", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]), "Rf"),
        "dummy": (
            Structure(Lattice.cubic(4), [DummySpecies("X"), "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
            "not a chemical",
        ),
        "zero volume": (flat, "degenerate"),
        "NaN": (nan, "NaN or inf"),
        "disordered": (nacl.copy(), "disordered"),
        "slab": (Structure(Lattice(nacl.lattice.matrix, pbc=(True, True, False)), nacl.species, nacl.frac_coords),
                 "not periodic"),
    }


@pytest.mark.parametrize("case", list(_bad_structures()))
def test_bad_structures_are_named(case):
    from tensor_nb.graphs import crystal_graph
    from tensor_nb.cards import shipped_models
    from tensor_nb.prediction import predict

    s, message = _bad_structures()[case]
    if case == "disordered":
        s.replace_species({"Na": {"Na": 0.5, "K": 0.5}})
    for call in [lambda: crystal_graph(s)] + [lambda t=t: predict(s, t) for t in list(shipped_models())[:1]]:
        with pytest.raises(StructureError, match=message):
            call()


def test_ase_atoms_without_a_crystal_cell():
    from ase import Atoms
    from ase.build import bulk

    from tensor_nb.prediction import predict

    with pytest.raises(StructureError, match="without a three-dimensional cell"):
        predict(Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]]), "dielectric")
    slab = bulk("NaCl", "rocksalt", a=5.64)
    slab.pbc = (True, True, False)
    with pytest.raises(StructureError, match="not periodic"):
        predict(slab, "dielectric")


def test_structure_dicts():
    from tensor_nb.structures import as_structure

    nacl = example_structures()["NaCl"]
    assert as_structure(nacl.as_dict()) == nacl
    for bad, message in (({"lattice": None, "sites": []}, "not a readable Structure dict"),
                         ({**nacl.as_dict(), "sites": nacl.as_dict()["sites"] * 2}, "overlapping sites"),
                         ({"@class": "Molecule"}, "cannot read a structure from a dict")):
        with pytest.raises(StructureError, match=message):
            as_structure(bad)


def test_supercell_symmetry_maps_fit_in_memory(monkeypatch):
    "A 4x4x4 silicon supercell has 3,072 space-group operations: atom maps in chunks (were 1.2 GB), exact."
    import tracemalloc

    from tensor_nb import symmetry

    big = example_structures()["Si"].copy()
    big.make_supercell([4, 4, 4])
    tracemalloc.start()
    cart, W, w = symmetry.space_group_operations(big)
    perm = symmetry.atom_mapping(big, W, w)
    S, site_map = symmetry.improper_site_map(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(W) == 3072 and peak < 3e8, peak
    assert (np.sort(perm, axis=1) == np.arange(len(big))).all() and np.allclose(S, -np.eye(3))
    small = example_structures()["ZnO"]
    _, W, w = symmetry.space_group_operations(small)
    whole = symmetry.atom_mapping(small, W, w)
    monkeypatch.setattr(symmetry, "NEAREST_CHUNK", 1)  # one operation per chunk: the same maps
    assert (symmetry.atom_mapping(small, W, w) == whole).all()
    shaken = small.copy()
    shaken.translate_sites([0], [0.3, 0, 0], frac_coords=False)  # images beyond NEAR_MATCH: the exhaustive search
    perm, dist = symmetry._nearest_images(shaken, W, w)
    frac, L = shaken.frac_coords, shaken.lattice.matrix
    diff = (np.einsum("gij,nj->gni", W, frac) + w[:, None, :])[:, :, None, :] - frac
    every = np.linalg.norm((diff - np.round(diff)) @ L, axis=-1)
    assert dist.max() > symmetry.NEAR_MATCH and (perm == every.argmin(-1)).all() and np.allclose(dist, every.min(-1))


# 5. every structure of a CIF is predicted
def test_multi_structure_cif(tmp_path):
    from tensor_nb.cards import shipped_models
    from tensor_nb.prediction import predict

    task = next(t for t, c in shipped_models().items() if not c.get("per_atom"))
    s = example_structures()
    text = "\n".join(s[n].to(fmt="cif").replace("data_", f"data_{i}_", 1) for i, n in enumerate(["Si", "NaCl", "ZnO"]))
    (tmp_path / "three.cif").write_text(text)
    assert len(predict(tmp_path / "three.cif", task)) == 3
    proc = cli("predict", str(tmp_path / "three.cif"), "--kind", task, "--format", "json")
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == 3, proc.stderr


# 6. names are names and folders must exist
@pytest.mark.parametrize("name", ["*", "../../x", "/etc/passwd", "mp_*", ".."])
def test_snapshot_names(name, data_dir):
    from tensor_nb.data import load_snapshot

    with pytest.raises(UnknownNameError):
        load_snapshot(name, data_dir)


def test_missing_data_dir_is_an_error(tmp_path):
    from tensor_nb.data import data_dir

    with pytest.raises(DataError, match="is not a folder"):
        data_dir(tmp_path / "nope")
    assert_user_error(cli("data", "list", "--data-dir", str(tmp_path / "nope")), "is not a folder")


@pytest.mark.parametrize("mid", ["../x", "/etc/passwd", "a/b"])
def test_csv_material_ids_are_names(tmp_path, mid):
    from tensor_nb.data import load_folder

    (tmp_path / "tensors.csv").write_text(
        "material_id,frame," + ",".join(f"v{j}" for j in range(9)) + f"\n{mid},structure,1,0,0,0,1,0,0,0,1\n"
    )
    with pytest.raises(DataError, match="not a plain name"):
        load_folder(tmp_path, "dielectric")


def test_csv_tables_that_are_not(tmp_path):
    from tensor_nb.data import load_folder

    for name, content, message in (("empty.csv", b"", "no rows"), ("bin.csv", b"\xff\xfe\x00x", "not a UTF-8 CSV")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataError, match=message):
            load_folder(tmp_path, "dielectric", name)


def test_malformed_mp_documents_are_skipped_by_name(monkeypatch):
    "fetch_mp keeps the good documents of a query and names the malformed ones (real mp-api path, a fake server)."
    import mp_api.client

    from tensor_nb.data import fetch_mp

    nacl = example_structures()["NaCl"]
    docs = [{"material_id": "mp-1", "structure": nacl, "total": np.eye(3).tolist(), "electronic": np.eye(3).tolist()},
            {"material_id": "mp-2", "structure": nacl, "total": None, "electronic": None}]

    class Rester:
        def __init__(self, *args, **kwargs):
            endpoint = SimpleNamespace(search=lambda **query: docs)
            self.materials = SimpleNamespace(elasticity=None, dielectric=endpoint, piezoelectric=None, summary=None)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(mp_api.client, "MPRester", Rester)
    with pytest.warns(UserWarning, match="1 of 2 Materials Project documents skipped: mp-2: .*'total'"):
        records = fetch_mp("dielectric", api_key="fake", use_cache=False)
    assert [r["material_id"] for r in records] == ["mp-1"]


@pytest.mark.parametrize("task", ["../../x", "/tmp/model", "elastic/../../x"])
def test_task_names_never_become_paths(task):
    from tensor_nb.prediction import predict

    with pytest.raises(UnknownNameError):
        predict("ZnO", task)


# 7. the CLI: one line, non-zero exit, no traceback, nothing left behind
@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--task", "dielectric", "--model", "foo"], "model 'foo'"),
        (["train", "--task", "dielectric", "--batch-size", "0"], "batch size must be >= 1"),
        (["train", "--task", "dielectric", "--epochs", "0"], "epochs must be >= 1"),
        (["train", "--task", "dielectric", "--fraction", "-1"], "training fraction must be > 0"),
        (["train", "--task", "dielectric", "--threads", "0"], "--threads must be >= 1"),
        (["train", "--task", "dielectric", "--threads", "100000"], "the CPUs of this machine"),  # crashed OpenBLAS
        (["train", "--task", "dielectric", "--model-kw", "[" * 5000 + "]" * 5000], "nested too deep"),
        (["train", "--task", "dielectric", "--model-kw", "{bad json"], "--model-kw must be a JSON"),
        (["train", "--task", "dielectric", "--model-kw", '{"width": 3}'], "do not fit model"),
        (["train", "--task", "dielectric", "--model", "cgcnn", "--model-kw", '{"hidden": 1000000000}'], "<= 1024"),
        (["train", "--task", "nope"], "task 'nope'"),
        (["train", "--task", "dielectric", "--epochs", "5", "--refit-epochs", "6"],
         "refit epochs must be >= 0 and <= 5"),
        (["train", "--task", "dielectric", "--refit-epochs", "-1"], "refit epochs must be >= 0"),
        (["transfer", "elastic", "foo"], "task 'foo'"),
        (["transfer", "elastic", "dielectric", "--mode", "thaw"], "transfer mode"),
        (["transfer", "elastic", "elastic"], "names each task once"),
        (["predict", "ZnO", "--kind", "elastic", "--task", "dielectric"], "contradicts 'elastic'"),
    ],
)
def test_cli_user_errors(tmp_path, args, message):
    out = tmp_path / "run"
    proc = cli(*args, "--out", str(out))
    assert_user_error(proc, message)
    assert not out.exists()


def test_cli_predict_and_demo_errors(tmp_path):
    (tmp_path / "adir").mkdir()
    (tmp_path / "bad.cif").write_text("data_x\n_cell_length_a nonsense\n")
    (tmp_path / "a-file").write_text("")
    import pickle

    (tmp_path / "model.pt").write_bytes(pickle.dumps({"a": 1}))
    assert_user_error(cli("predict", str(tmp_path / "adir"), "--kind", "dielectric"), "not a file")
    assert_user_error(cli("predict", str(tmp_path / "bad.cif"), "--kind", "dielectric"), "bad.cif")
    assert_user_error(
        cli("predict", "ZnO", "--kind", "dielectric", "--model-path", str(tmp_path / "model.pt")),
        "not a tensor_nb model file",
    )
    assert_user_error(cli("predict", "ZnO", "--kind", "dielectric", "--threads", "0"), "--threads must be >= 1")
    elastic = str(Path(__file__).parents[1] / "tensor_nb" / "assets" / "elastic.pt")
    assert_user_error(cli("predict", "ZnO", "--kind", "dielectric", "--model-path", elastic), "not of 'dielectric'")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)  # json's RecursionError
    assert_user_error(cli("decompose", str(tmp_path / "deep.json"), "--kind", "dielectric"),
                      "not a numeric tensor file")
    assert_user_error(cli("predict", "ZnO", "--kind", "elastic", "--ionic"), "shipped dielectric model only")
    assert_user_error(cli("demo", "--out", str(tmp_path / "a-file")), "is not a folder")
    assert_user_error(cli("demo", "--out", str(tmp_path / "a-file" / "sub")), "cannot be written")
    assert_user_error(cli("train", "--task", "dielectric", "--out", str(tmp_path / "a-file")), "is not a folder")
    if os.path.isdir("/proc/self"):  # writable by permission bits for root, yet no folder can be made there
        assert_user_error(cli("demo", "--out", "/proc/tensor_nb_demo"), "cannot be written")
    assert_user_error(cli("predict", "ZnO", "--kind", "dielectric", "--threads", "two"), "invalid int value")
    assert_user_error(cli("predict", "ZnO", "--kind", "dielectric", "--colour"), "unrecognized arguments: --colour")
    assert_user_error(cli(), "required: command")
    (tmp_path / "empty").mkdir()
    assert_user_error(cli("data", "list", "--data-dir", str(tmp_path / "empty")), "no data snapshots")
    assert_user_error(cli("serve", "--port", "99999"), "port must be >= 1 and <= 65535")
    assert_user_error(cli("serve", "--host", "999.1.1.1"), "cannot serve on 999.1.1.1")
    with socket.socket() as busy:  # before this check the explorer announced its address, then failed to listen
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        assert_user_error(cli("serve", "--port", port), f"cannot serve on 127.0.0.1:{port}")
    assert_user_error(cli("decompose", "1,2,3", "--kind", "elastic"), "needs 36 Voigt numbers")
    assert_user_error(cli("data", "list", "elastic"), "takes no task")  # the task was ignored


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--task", "dielectric", "--out", ""], "run folder must be a non-empty path"),
        (["transfer", "elastic", "dielectric", "--out", ""], "must be a non-empty path"),
        (["demo", "--out", ""], "report folder must be a non-empty path"),
        (["predict", "", "--kind", "dielectric"], "structure file must be a non-empty path"),
        (["predict", "ZnO", "--kind", "dielectric", "--model-path", ""], "model file must be a non-empty path"),
        (["data", "list", "--data-dir", ""], "data folder must be a non-empty path"),
    ],
)
def test_cli_empty_paths_are_not_the_working_folder(tmp_path, args, message):
    "An empty name was read as '.': `train --out ''` trained into the working folder."
    assert_user_error(cli(*args, cwd=tmp_path), message)
    assert not list(tmp_path.iterdir())


def test_cli_output_read_in_part_is_quiet():
    "`tensor-nb models | head -1` printed 'error: [Errno 32] Broken pipe'."
    proc = subprocess.Popen([sys.executable, "-m", "tensor_nb.cli", "models"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before the first line is written
    assert proc.wait(timeout=300) == 141 and proc.stderr.read() == ""


def test_cli_predict_names_a_bad_file_and_predicts_the_rest(tmp_path):
    (tmp_path / "bad.cif").write_text("not a cif")
    proc = cli(
        "predict", str(tmp_path / "bad.cif"), str(example_cif("ZnO")), "--kind", "dielectric", "--format", "json"
    )
    assert proc.returncode == 1 and "bad.cif" in proc.stderr and "Traceback" not in proc.stderr
    assert [r["formula"] for r in json.loads(proc.stdout)] == ["ZnO"]


SHARED_SITE_CIF = """data_shared
_cell_length_a 4
_cell_length_b 4
_cell_length_c 4
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 Na 0 0 0
Cl1 Cl 0 0 0
"""


@pytest.mark.parametrize("name, text, message", [
    ("shared.cif", SHARED_SITE_CIF, "Occupancy 2.0 exceeded tolerance"),  # ASE would read it as Na alone
    ("POSCAR", "NaCl\n1.0\n4 0 0\n0 4 0\n0 0 4\nNa Cl\n1 1\ndirect\n0 0 0\n0 0 0\n", "overlapping sites"),
])
def test_a_file_with_two_atoms_on_one_site_is_refused(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(StructureError, match=message):
        as_structures(tmp_path / name)
    proc = cli("predict", str(tmp_path / name), "--kind", "dielectric")
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr and not proc.stdout


# 9. one input step for every batch size and type
@pytest.mark.parametrize("n", [3, ROWS])
def test_one_behaviour_for_every_batch_size(n):
    T = symmetric("elastic", n)
    with pytest.raises(TensorInputError, match="complex"):
        to_irreps(T + 0j, "elastic")
    with pytest.raises(TensorInputError, match="complex"):
        to_irreps(T + 0j, "elastic", strict=False)
    assert to_irreps(T.astype(np.float16), "elastic").dtype == np.float32
    assert np.array_equal(to_irreps(T.astype(">f8"), "elastic"), to_irreps(T, "elastic"))  # big-endian
    assert np.array_equal(to_irreps(T.astype(np.longdouble), "elastic"), to_irreps(T, "elastic"))
    masked = np.ma.masked_array(T, mask=np.zeros(T.shape, bool))
    assert np.array_equal(to_irreps(masked, "elastic"), to_irreps(T, "elastic"))  # nothing masked
    masked.mask[0, 0, 0, 0, 0] = True
    with pytest.raises(TensorInputError, match="masked"):
        to_irreps(masked, "elastic")
    assert np.allclose(to_irreps(T.tolist(), "elastic"), to_irreps(T, "elastic"))
    x = to_irreps(T * 1e160, "elastic")
    assert np.isfinite(x).all() and np.allclose(x / 1e160, to_irreps(T, "elastic"))
    with pytest.raises(SettingError, match="tol"):
        to_irreps(T, "elastic", tol=float("nan"))
    with pytest.raises(TensorInputError, match="break the index symmetry"):
        to_irreps(np.random.default_rng(0).normal(size=(n, 3, 3, 3, 3)), "elastic")
    t = torch.tensor(T, dtype=torch.float32)
    assert isinstance(to_irreps(t, "elastic"), torch.Tensor)
    for bad, message in ((T > 0, "boolean"), (torch.empty(T.shape, device="meta"), "meta tensor")):
        with pytest.raises(TensorInputError, match=message):
            to_irreps(bad, "elastic")


def test_conventions_refuse_what_they_would_cut():
    T = symmetric("elastic", 4)
    T[2, 0, 1, 2, 2] += 1.0  # breaks ij=ji in one tensor
    with pytest.raises(TensorInputError, match="1 tensor"):
        full_to_voigt(T, "elastic")
    with pytest.raises(TensorInputError, match="orthogonal"):
        rotate_tensor(np.eye(3), np.diag([1.0, 1.0, 2.0]))


@pytest.mark.parametrize("make, message", [(lambda a: a + 1j, "complex"), (lambda a: a > 0, "boolean"),
                                           (lambda a: np.ma.masked_array(a, mask=a > 0), "masked")])
def test_every_array_door_refuses_what_has_no_real_value(make, message):
    from tensor_nb.decompose import norms_per_l
    from tensor_nb.symmetry import symmetrize, symmetry_residual

    C = np.array(EXAMPLE_TENSORS["Si"]["elastic"], float)
    for call in (lambda: voigt_to_full(make(C), "elastic"), lambda: full_to_voigt(make(np.eye(3)), "dielectric"),
                 lambda: rotate_tensor(make(np.eye(3)), np.eye(3)), lambda: vrh_moduli(make(C)),
                 lambda: to_irreps(make(np.eye(3)), "dielectric"), lambda: from_irreps(make(np.ones(6)), "dielectric"),
                 lambda: norms_per_l(make(np.ones(6)), "dielectric"),
                 lambda: symmetrize(make(np.eye(3)), "6mm", "dielectric"),
                 lambda: symmetry_residual(make(np.eye(3)), "6mm", "dielectric"),
                 lambda: symmetrize(np.eye(3), make(np.eye(3)[None]), "dielectric")):
        with pytest.raises(TensorInputError, match=message):
            call()


def test_every_array_door_reads_other_byte_orders_and_lists():
    C = np.array(EXAMPLE_TENSORS["Si"]["elastic"], float)
    assert np.array_equal(voigt_to_full(C.astype(">f8"), "elastic"), voigt_to_full(C, "elastic"))
    assert np.array_equal(full_to_voigt(np.eye(3).tolist(), "dielectric"), np.eye(3))
    from tensor_nb.decompose import norms_per_l

    assert set(norms_per_l([3.0, 0, 0, 0, 0, 0], "dielectric")) == {0, 2}
    with pytest.raises(TensorInputError, match="last axis of size 6"):
        norms_per_l(np.ones(5), "dielectric")


def test_metrics_inputs():
    from tensor_nb.metrics import baseline_metrics, element_baseline, tensor_metrics

    for bad, message in ((np.eye(3), "6, 6"), (np.full((6, 6), np.inf), "NaN or inf"), ([[1, 2]], "6, 6")):
        with pytest.raises(TensorInputError, match=message):
            vrh_moduli(bad)
        with pytest.raises(TensorInputError, match=message):
            is_stable(bad)
    with pytest.raises(TensorInputError, match="differ in shape"):
        tensor_metrics(np.zeros((2, 3, 3)), np.zeros((3, 3, 3)), "dielectric")
    for nan_at in ("predictions", "targets"):  # a NaN metric would hide a broken model or label
        args = {"predictions": np.zeros((2, 3, 3)), "targets": np.zeros((2, 3, 3))}
        args[nan_at][1, 0, 0] = np.nan
        with pytest.raises(TensorInputError, match=f"{nan_at}: contains NaN or inf"):
            tensor_metrics(args["predictions"], args["targets"], "dielectric")
    with pytest.raises(TensorInputError, match="at least one training tensor"):
        baseline_metrics(np.zeros((0, 3, 3)), np.zeros((2, 3, 3)), "dielectric")
    with pytest.raises(TensorInputError, match="one tensor array per training crystal"):
        element_baseline([[14, 14], [8]], [np.zeros((2, 3, 3))], [[14]])


def test_matrix_exponential_never_overflows_silently():
    from tensor_nb.spd import spd_exp

    with pytest.raises(TensorInputError, match="overflows"):
        spd_exp(np.eye(3) * 1e5, "dielectric")


@pytest.mark.parametrize("floor", [float("nan"), float("inf"), -1.0, "1"])
def test_eigenvalue_floor_is_a_finite_non_negative_number(floor):
    from tensor_nb.spd import spd_exp, spd_log

    for fn in (spd_log, spd_exp):
        with pytest.raises(SettingError, match="floor must be"):
            fn(2 * np.eye(3), "dielectric", floor=floor)


def test_dielectric_log_below_the_vacuum_is_refused():
    from tensor_nb.spd import spd_log

    with pytest.raises(TensorInputError, match="not positive definite above 1"):
        spd_log(np.diag([0.5, 2.0, 3.0]), "dielectric", floor=1.0)


def test_voigt_matrix_passed_as_a_tensor():
    with pytest.raises(TensorInputError, match="voigt_to_full"):
        to_irreps(np.eye(6), "elastic")
    with pytest.raises(TensorInputError, match="voigt_to_full"):
        to_irreps(np.zeros((3, 6)), "piezoelectric")


@pytest.mark.parametrize("n", [1, 5000])  # both sides of the fused kernel's threshold
def test_numbers_held_as_objects(n):
    "An object array of real numbers (a row of a mixed pandas frame) reads as float64; other objects are refused."
    T = np.tile(np.diag([11.7, 11.7, 12.0]), (n, 1, 1))
    assert np.array_equal(to_irreps(T.astype(object), "dielectric"), to_irreps(T, "dielectric"))
    for bad in ("11.7", True, 1j, None):
        with pytest.raises(TensorInputError, match="real and numeric"):
            to_irreps(np.full((n, 3, 3), bad, dtype=object), "dielectric")


@pytest.mark.parametrize("kind", ["elas", "Elastic", "abcd", "ij=kl", "", "ijklm"])
def test_kind_names(kind):
    with pytest.raises(UnknownNameError):
        to_irreps(np.zeros((3, 3, 3, 3)), kind)


# 10. settings outside their range
@pytest.mark.parametrize("fields, message", [
    ({"seed": -1}, "seed must be >= 0"), ({"seed": 2**70}, "seed must be"), ({"finetune": "yes"}, "True or False"),
    ({"model": "sevennet-0", "model_kw": {"members": 0}}, "members"),
    ({"model": "sevennet-0", "model_kw": {"mul": -4}}, "mul"),
    ({"model": "seconv", "model_kw": {"lmax": 1}}, "use lmax >= 2"), ({"model_kw": {"hidden": 0}}, "hidden"),
    ({"model": "segnn", "model_kw": {"lmax": -1}}, "lmax must be >= 0"),
    ({"freeze_encoder": True}, "needs init_encoder"),  # trained a head on a random, frozen encoder for minutes
    ({"graph": {"cut_off": 6.0}}, "GraphSettings fields"), ({"graph": [8.0]}, "GraphSettings fields"),
    ({"model_kw": {"cutoff": "x"}}, "cutoff"),  # failed in the first batch
    ({"model": "seconv", "model_kw": {"cutoff": -1}}, "cutoff"),  # trained with a radial basis of zeros
    ({"model": "chgcnn", "model_kw": {"num_gaussians": 1}}, "num_gaussians"),  # failed in the first batch
    ({"refit_epochs": 2.5}, "refit epochs must be an integer"), ({"refit_epochs": True}, "refit epochs"),
    ({"tensor_loss": True}, "needs log_target"), ({"tensor_loss": 1}, "tensor_loss"),
    ({"task": "elastic", "log_target": True, "tensor_loss": True}, "rank-2 tensor: not for"),
])
def test_train_settings(fields, message):
    from tensor_nb.train import TrainConfig

    with pytest.raises(SettingError, match=message):
        TrainConfig(**{"task": "dielectric", "model": "cgcnn", **fields}).check()


def test_a_fraction_that_selects_nothing():
    from tensor_nb.data import training_subset

    with pytest.raises(SettingError, match="selects none"):
        training_subset([f"mp-{i}" for i in range(100)], 0.001)
    assert len(training_subset([f"mp-{i}" for i in range(100)], 0.01)) == 1


def test_a_model_file_predicts_only_its_own_kind():
    "predict(task=...) with a model file of another tensor kind was silently answered with that kind's tensors."
    from tensor_nb.cards import ASSETS
    from tensor_nb.prediction import predict

    with pytest.raises(SettingError, match="a model of elastic"):
        predict("Si", "dielectric", model_path=ASSETS / "elastic.pt")
    assert predict("Si", "elastic", model_path=ASSETS / "elastic.pt").shape == (3, 3, 3, 3)
    assert predict("Si", "dielectric", model_path=ASSETS / "electronic_dielectric.pt").shape == (3, 3)  # same kind


def test_predict_switches():
    from tensor_nb.prediction import predict

    for kw, message in (({"spread": "no"}, "spread must be True or False"), ({"symmetrize": 1}, "symmetrize"),
                        ({"dtype": "float16"}, "dtype must be"), ({"batch_size": True}, "batch size must be"),
                        ({"progress": "yes"}, "progress must be True or False")):
        with pytest.raises(SettingError, match=message):
            predict("ZnO", "dielectric", **kw)
    with pytest.raises(SettingError, match="strict must be True or False"):
        to_irreps(np.eye(3), "dielectric", strict="no")


def test_dielectric_below_the_vacuum_is_flagged():
    from tensor_nb.errors import PredictionWarning
    from tensor_nb.prediction import predict

    lone_atom = Structure(Lattice.cubic(100), ["Na"], [[0, 0, 0]])  # far outside the training crystals
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        T = predict(lone_atom, "dielectric")
    flagged = [w for w in caught
               if issubclass(w.category, PredictionWarning) and "eigenvalue below 1" in str(w.message)]
    assert bool(flagged) == bool((np.linalg.eigvalsh(T) < 1).any())  # log(eps - 1) models never go below 1
    assert all(str(w.message).endswith(": Na") for w in flagged)


def test_settings_out_of_range():
    from tensor_nb.graphs import GraphSettings
    from tensor_nb.symmetry import check_group, point_group_operations, symmetrize

    for bad in (0, -3):
        with pytest.raises(SettingError):
            GraphSettings(max_neighbors=bad)
    ops = point_group_operations("6mm")
    with pytest.raises(TensorInputError, match="not a group"):
        symmetrize(np.eye(3), ops[:5], "dielectric")
    with pytest.raises(TensorInputError, match="not orthogonal"):
        symmetrize(np.eye(3), ops * 1.1, "dielectric")
    assert len(check_group(ops)) == 12
    assert crystal_hypergraph(example_structure("Si"), motif_tol=10**30)  # was numpy's OverflowError


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: neighbor_edges(example_structure("Si"), cutoff=1e6), SettingError, "<= 50"),  # ran for minutes
        (lambda: neighbor_edges(example_structure("Si"), cutoff=float("nan")), SettingError, "finite number"),
        (lambda: neighbor_edges(example_structure("Si"), cutoff=-1), SettingError, "must be > 0"),
        (lambda: neighbor_edges(example_structure("Si"), shell_tol=-1), SettingError, "shell_tol"),
        (lambda: split_l("m-3m", -1), SettingError, "l must be >= 0"),  # was a bare AssertionError
        (lambda: split_l("m-3m", 2.5), SettingError, "l must be an integer"),  # blamed a complex parity
        (lambda: vrh_moduli(np.triu(EXAMPLE_TENSORS["Si"]["elastic"])), TensorInputError, "both triangles"),
        (lambda: is_stable(np.tril(EXAMPLE_TENSORS["Si"]["elastic"])), TensorInputError, "not symmetric"),
        (lambda: partitions(-1), SettingError, "must be >= 0"),  # was an empty list
        (lambda: partitions(2.5), SettingError, "must be an integer"),  # was a TypeError
        (lambda: partitions(200), SettingError, "<= 30"),  # would run for hours
        (lambda: perm_sign((0, 2)), SettingError, "a permutation lists the images"),  # was an IndexError
        (lambda: born_charge_parts(np.eye(3)), TensorInputError, r"\(N, 3, 3\); got \(3, 3\)"),  # blamed a row
        (lambda: _picked("nosuch", {}, {}), UnknownNameError, "in the explorer's list"),  # a crafted request
        (lambda: racah_cg(0.25, 0.25, 1, 0, 1, 0.25), SettingError, "half-integer"),  # half-integers: a TypeError
        (lambda: racah_cg(-1, 0, 1, 0, 0, 0), SettingError, "j must be >= 0"),  # was 0.0
        (lambda: racah_cg(1, 2, 1, 0, 2, 2), SettingError, r"\|m\| <= j"),  # was 0.0
        (lambda: cg_tensor(-1, 1, 0), SettingError, "l1 must be >= 0"),  # was an empty array
        (lambda: wigner_D("1x9q", np.eye(3)), UnknownNameError, "not an e3nn irreps string"),  # was e3nn's ValueError
        (lambda: read_tensor("[[1, 0, 0], [0, 1, 0], [0, 0, x]]", "dielectric"), TensorInputError, "brackets"),
        (lambda: symmetrize(np.full((3, 3), np.nan), "m-3m", "dielectric"), TensorInputError, "NaN or inf"),  # was NaN
        (lambda: symmetry_residual(np.diag([np.inf, 1, 1]), "6mm", "dielectric"), TensorInputError, "NaN or inf"),
        (lambda: get_field(["mp-149"], "structure"), DataError, "a data record is a dict"),  # an AttributeError
        (lambda: mae_heatmap(np.ones((3, 3)), "dielectric"), TensorInputError, "a dict of model name"),  # likewise
        (lambda: save_figure(go.Figure(), "fig.xyz"), UnknownNameError, "unknown format"),  # plotly's ValueError
        (lambda: run_transfer("elastic", "unused"), SettingError, "a list of task names"),  # was task 'e'
        (lambda: blend_moduli(np.zeros((1, 21)), -np.ones(1), np.ones(1), (0.5, 0.5)), SettingError, "positive"),
        (lambda: fit_moduli_head(np.zeros((9, 4)), np.ones((9, 2)), [0, 1, 2], [2, 3]), SettingError, "in both"),
        (lambda: to_irreps(np.full((3, 3), 3e38, np.float32), "dielectric"), TensorInputError, "overflows float32"),
        (lambda: to_irreps(torch.nested.nested_tensor([torch.eye(3)]), "dielectric"), TensorInputError, "nested"),
        (lambda: dim_sn((-1,)), SettingError, "positive integers"),  # was math's ValueError
        (lambda: dim_gl((2, 1), -3), SettingError, "N of GL"),  # was -8
        (lambda: dim_gl((10**9,)), SettingError, "boxes"),  # a billion-factor product
        (lambda: racah_sph_harm(1, np.zeros(3)), TensorInputError, "no direction"),  # was NaN
        (lambda: racah_sph_harm(2, np.full(3, np.nan)), TensorInputError, "NaN or inf"),  # was NaN
        (lambda: racah_sph_harm(-1, np.ones(3)), SettingError, "l must be >= 0"),  # numpy's stack error
        (lambda: wigner_D_batch("1o", np.eye(3)[None]), SettingError, "l must be an integer"),  # a TypeError
        (lambda: wigner_D_batch(1, np.diag([1.0, 1, -1])[None]), TensorInputError, "proper rotations"),  # wrong D
        (lambda: wigner_D_batch(2, 2 * np.eye(3)[None]), TensorInputError, "proper rotations"),  # wrong D
        (lambda: exact_surd(float("nan")), TensorInputError, "not a signed square root"),  # a ValueError
        (lambda: exact_surd(1e300), TensorInputError, "not a signed square root"),  # an OverflowError
        (lambda: voigt_index(7, 1), SettingError, "Cartesian index"),  # was -2
        (lambda: tensor_summary(np.full((3, 3), np.nan), "dielectric"), TensorInputError, "NaN"),  # LinAlgError
        (lambda: spd_map(np.eye(3), "dielectric", "sqrt"), SettingError, "function of the eigenvalues"),
        (lambda: read_tensor("1_000,0,0,0,1,0,0,0,1", "dielectric"), TensorInputError, "not a file"),  # was 1000
        (lambda: doc_to_record({"material_id": "../x", "structure": {}}, "dielectric"), DataError, "plain name"),
        (lambda: born_charge_table_html(example_structure("ZnO"), np.ones((3, 3, 3))), TensorInputError, "per site"),
        (lambda: material_explorer([]), SettingError, "TensorRecords"),  # was StopIteration
        (lambda: born_charge_explorer({}), SettingError, "name: structure"),  # was a KeyError
        (lambda: decomposition_explorer("born_charge"), UnknownNameError, "kind of the explorer"),  # a TraitError
        (lambda: young_diagram_html((3, 2), [1, 2]), SettingError, "rows of"),  # a TypeError
        (lambda: rotate_features(torch.zeros(2, 4), "1x1o", np.eye(3)), TensorInputError, r"needs features \(n, 3\)"),
        (lambda: rotate_features(torch.zeros(2, 3), "1x9q", np.eye(3)), UnknownNameError, "not an e3nn irreps"),
    ],
)
def test_settings_and_matrices_outside_their_meaning(call, error, message):
    "Found by trying the exported functions with values a user could pass: each names the problem before any work."
    with pytest.raises(error, match=message):
        call()


def _cases_found_by_sweeping_every_parameter():
    "Calls found by passing odd values (lists, arrays, huge or negative numbers) to each parameter of the exports."
    import pandas as pd

    from tensor_nb.backbone import BackboneHead, BackboneModel, batch_graphs, even, node_features, self_products
    from tensor_nb.cache import cache_get, file_hash, writable_dir
    from tensor_nb.cards import ionic_blend, models_table
    from tensor_nb.checkpoint import load_model, merge_models
    from tensor_nb.cli import main as cli_main
    from tensor_nb.data import (as_full, data_dir, load_task, read_records, recover_orientation, split_ids,
                                training_subset, validate_tensor)
    from tensor_nb.decompose import (change_of_basis, coupled_bases, fused_kernel_source, harmonic_blocks, norms_per_l,
                                     signed_permutations, symmetry_projector)
    from tensor_nb.graphs import (build_graphs, collate, crystal_graph, crystal_hypergraph, gaussian_expansion,
                                  neighbor_edges)
    from tensor_nb.harmonics import e3nn_from_real, real_from_complex
    from tensor_nb.metrics import baseline_metrics, element_baseline, report, tensor_metrics
    from tensor_nb.models import build_model, cgcnn_model, equivariant_model, hidden_irreps
    from tensor_nb.moduli import ModuliHead
    from tensor_nb.potential import (SevenNetEnergy, blend_bulk, bulk_modulus, has_bulk_prior, ionic_response,
                                     optical_modes)
    from tensor_nb.prediction import predict
    from tensor_nb.report import (decomposition_report, material_report, summary_html, voigt_table_html,
                                  young_modulus_range)
    from tensor_nb.spd import coefficients_to_tensors
    from tensor_nb.structures import as_structure
    from tensor_nb.symmetry import (character_table, independent_components, inversion_image, mulliken_labels,
                                    point_group_operations, symmetrize_many, symmetrize_sites)
    from tensor_nb.train import TrainConfig, task_data
    from tensor_nb.widgets import (born_charge_figure, decomposition_figure, directional_values, structure_figure,
                                   structure_scene, young_summary_html)
    from tensor_nb.young import permutation_matrix, young_projector

    si, eps = example_structure("Si"), 2 * np.eye(3)
    return [  # each comment: what it gave before
        (lambda: change_of_basis(["elastic"]), UnknownNameError, "neither a tensor kind"),  # unhashable type: 'list'
        (lambda: norms_per_l(np.zeros(6), ["dielectric"]), UnknownNameError, "neither a tensor kind"),  # likewise
        (lambda: symmetry_projector(3), UnknownNameError, "neither a tensor kind"),  # AttributeError: 'replace'
        (lambda: signed_permutations(np.zeros(2)), UnknownNameError, "neither a tensor kind"),  # unhashable
        (lambda: harmonic_blocks(None), UnknownNameError, "neither a tensor kind"),  # AttributeError
        (lambda: coupled_bases(-1), SettingError, "coupled vectors"),  # the basis of one vector
        (lambda: coupled_bases(10**6), SettingError, "coupled vectors"),  # ran until memory ran out
        (lambda: fused_kernel_source("dielectric", np.zeros(2)), UnknownNameError, "kernel dtype"),  # ambiguous truth
        (lambda: real_from_complex(10**6), SettingError, "l must be"),  # a 58 TiB allocation
        (lambda: real_from_complex(-1), SettingError, "l must be"),  # numpy's negative dimensions
        (lambda: e3nn_from_real("x"), SettingError, "l must be an integer"),  # SeedSequence's TypeError
        (lambda: real_cg([1], 1, 1), SettingError, "l1 must be an integer"),  # unhashable
        (lambda: racah_cg(10**6, 0, 10**6, 0, 0, 0), SettingError, "<= 100"),  # ran for minutes
        (lambda: point_group_operations(["m-3m"]), UnknownNameError, "unknown point group"),  # unhashable
        (lambda: permutation_matrix((True, 0)), SettingError, "a permutation lists"),  # True read as 1
        (lambda: permutation_matrix((1, 0), 10**6), SettingError, "entries dim"),  # a 10^12-entry matrix
        (lambda: young_projector(((0, True),)), SettingError, "a tableau fills"),  # numpy's TypeError
        (lambda: young_projector([list(range(7))]), SettingError, "entries 3"),  # 7! products of 3^7 matrices
        (lambda: young_projector(5), SettingError, "a tableau fills"),  # 'int' object is not iterable
        (lambda: rotate_tensor(eps, np.diag([1.0, -1, 1]), -1), SettingError, "rank must be >= 0"),  # T unrotated
        (lambda: exact_surd(True), TensorInputError, "not a signed square root"),  # sympy's AttributeError
        (lambda: exact_surd(0.5, None), SettingError, "tol"),  # a TypeError
        (lambda: coefficients_to_tensors(np.zeros(6), "dielectric", np.zeros(2)), SettingError, "log_target"),
        (lambda: tensor_metrics(eps[None], eps[None], np.zeros(2)), UnknownNameError, "tensor kind"),  # ambiguous
        (lambda: baseline_metrics(-1, eps[None], "dielectric"), TensorInputError, "at least one"),  # len() of int
        (lambda: baseline_metrics(eps[None], np.ones((1, 2)), "dielectric"), TensorInputError, "differ in shape"),
        (lambda: equivariant_model(np.zeros(2)), UnknownNameError, "neither a tensor kind"),  # ambiguous truth
        (lambda: equivariant_model("dielectric", per_atom="no"), SettingError, "per_atom"),  # "no" is truthy
        (lambda: cgcnn_model(np.zeros(2)), UnknownNameError, "neither a tensor kind"),  # ambiguous truth
        (lambda: hidden_irreps(4, 10**12), SettingError, "lmax"),  # never returned
        (lambda: hidden_irreps(None, 2), SettingError, "mul"),  # a TypeError
        (lambda: even("x"), UnknownNameError, "irreps"),  # e3nn's ValueError
        (lambda: optical_modes(-1), TensorInputError, r"\(3N, 3N\)"),  # len() of unsized object
        (lambda: bulk_modulus([si], use_cache=np.zeros(2)), SettingError, "use_cache"),  # ambiguous truth
        (lambda: bulk_modulus([si], relaxed="no"), SettingError, "relaxed"),  # "no" is truthy
        (lambda: symmetric_displacements(si, most=-1), SettingError, "most"),  # would give None for every crystal
        (lambda: symmetric_displacements(si, most=2.5), SettingError, "most"),
        (lambda: symmetric_displacements(si, tol=float("nan")), SettingError, "tol"),
        (lambda: symmetric_displacements("Si"), StructureError, "not a crystal structure"),
        (lambda: predict(si, "dielectric", dtype=np.zeros(2)), SettingError, "dtype"),  # ambiguous truth
        (lambda: directional_values(eps, "dielectric", n_theta=10**12), SettingError, "n_theta"),  # 7 TiB
        (lambda: born_charge_figure(None, np.zeros((2, 3, 3))), StructureError, "cannot read a structure"),
        (lambda: crystal_panel(si, "Si", dft="x"), SettingError, "dft must be"),  # 'str' has no attribute 'get'
        (lambda: crystal_panel(si, "Si", ionic=np.zeros(2)), SettingError, "ionic"),  # ambiguous truth
        (lambda: crystal_panel(si, None), SettingError, "name"),  # a page titled "None"
        (lambda: list(read_records(1)), DataError, "records file"),  # read (and closed) stdout, file descriptor 1
        (lambda: file_hash(1), SettingError, "non-empty path"),  # likewise
        (lambda: read_tensor(1, "dielectric"), TensorInputError, "as a string"),  # a TypeError
        (lambda: character_table(["m-3m"]), UnknownNameError, "unknown point group"),  # unhashable
        (lambda: independent_components(np.zeros(2), "elastic"), TensorInputError, "must have shape"),  # ambiguous
        (lambda: split_l("m-3m", 1, np.zeros(2)), TensorInputError, "parity must be 1 or -1"),  # ambiguous truth
        (lambda: l_character(np.eye(3), None), SettingError, "l must be an integer"),  # a TypeError
        (lambda: symmetrize_many(eps[None], None, "dielectric"), StructureError, "list of structures"),
        (lambda: symmetrize_sites(np.zeros((2, 3, 3)), None), StructureError, "not a crystal structure"),
        (lambda: improper_site_map(si, "x"), SettingError, "tol"),  # numpy's UFuncTypeError
        (lambda: proper_orbits(si, -1.0), SettingError, "tol"),  # every atom its own orbit
        (lambda: crystal_graph(si, dtype="x"), SettingError, "dtype"),  # torch's device RuntimeError
        (lambda: crystal_hypergraph(si, motif_tol=None), SettingError, "motif_tol"),  # a TypeError
        (lambda: crystal_hypergraph(si, motif_tol=10**400), SettingError, "motif_tol"),  # beyond floats
        (lambda: check_group(np.eye(3)[None], tol=None), SettingError, "tol"),  # a TypeError
        (lambda: check_group(np.eye(3)[None], tol=np.ones(3)), SettingError, "tol"),  # numpy's TypeError
        (lambda: collate(-1), SettingError, "list of CrystalGraphs"),  # 'int' object is not iterable
        (lambda: build_graphs(None), StructureError, "list of structures"),  # a TypeError
        (lambda: build_graphs([si], use_cache=np.zeros(2)), SettingError, "use_cache"),  # ambiguous truth
        (lambda: get_field({}, None), SettingError, "field name"),  # an AttributeError
        (lambda: split_ids(None), SettingError, "material-id strings"),  # a TypeError
        (lambda: split_ids(["a"], fractions=None), SettingError, "fractions"),  # a TypeError
        (lambda: training_subset(np.zeros(2), 0.5), SettingError, "material-id strings"),  # ambiguous truth
        (lambda: young_modulus_range(EXAMPLE_TENSORS["Si"]["elastic"], 10**12), SettingError, "directions"),  # 7 TiB
        (lambda: voigt_table_html(eps, "dielectric", -1), SettingError, "title"),  # an AttributeError
        (lambda: material_report(si, np.zeros(2)), SettingError, "name"),  # ambiguous truth
        (lambda: example_structure(["Si"]), UnknownNameError, "example"),  # unhashable
        (lambda: cache_get(np.zeros(2)), UnknownNameError, "cache key"),  # numpy's UFuncTypeError
        (lambda: writable_dir(-1), UnknownNameError, "names"),  # an AttributeError
        (lambda: ionic_blend(np.zeros(2)), SettingError, "dielectric model only"),  # ambiguous truth
        (lambda: models_table("x"), SettingError, "model cards"),  # an AttributeError
        (lambda: models_table({"a": 1}), SettingError, "model cards"),  # a TypeError
        (lambda: split_ids(["a", "b"], strata=np.ones((2, 3))), SettingError, "strata"),  # unhashable rows
        (lambda: orthogonal_matrix(np.eye(3), tol=None), SettingError, "tol"),  # a TypeError
        (lambda: orthogonal_matrix(np.eye(3), stack=None), SettingError, "stack"),  # a TypeError
        (lambda: mulliken_labels("4/mmm", "x"), TensorInputError, "characters"),  # 'str' has no attribute 'real'
        (lambda: mulliken_labels("4/mmm", np.ones((2, 3))), TensorInputError, "10 classes"),  # an IndexError
        (lambda: gaussian_expansion(torch.ones(3), 5.0, 1), SettingError, "Gaussians"),  # an IndexError
        (lambda: gaussian_expansion(None, 5.0), TensorInputError, "torch tensor"),  # an AttributeError
        (lambda: file_hash("no such file"), SettingError, "not a file"),  # FileNotFoundError
        (lambda: young_summary_html((2, 1), np.zeros(2)), UnknownNameError, "neither a tensor kind"),  # ambiguous
        (lambda: decomposition_figure(eps, "dielectric", object()), SettingError, "title"),  # plotly's ValueError
        (lambda: decomposition_figure(eps + np.eye(3, k=1), "dielectric"), TensorInputError, "strict=False"),  # plotted
        (lambda: node_features(si), StructureError, "list of structures"),  # 'Structure' object is not iterable
        (lambda: node_features(["Si"]), StructureError, "not a crystal structure"),  # 'str' has no 'lattice'
        (lambda: inversion_image("Si"), StructureError, "not a crystal structure"),  # likewise
        (lambda: self_products(None, 2), UnknownNameError, "irreps None"),  # e3nn read None as no irreps
        (lambda: even(None), UnknownNameError, "irreps None"),  # likewise
        (lambda: self_products("1x1o", None), SettingError, "lmax"),  # '<=' not supported
        (lambda: read_records(None), DataError, "records file"),  # a generator that failed only when read
        (lambda: read_records("no such file.jsonl"), DataError, "no such records file"),  # likewise
        (lambda: gaussian_expansion(torch.ones(2, 3), 5.0), TensorInputError, "distances"),  # a broadcast error
        (lambda: has_bulk_prior(None), TensorInputError, "bulk moduli"),  # 'isfinite' not supported
        (lambda: as_full(np.eye(3) * 1j, "dielectric"), TensorInputError, "complex"),  # the imaginary part dropped
        (lambda: split_ids(pd.DataFrame({"id": ["mp-1"]})), SettingError, "material-id"),  # columns
        (lambda: split_ids(["mp-1"], seed=None), SettingError, "seed"),  # hashed as the text 'None'
        (lambda: training_subset(["mp-1", "mp-2"], 0.5, seed=-1.5), SettingError, "seed"),  # likewise
        (lambda: recover_orientation(eps, np.eye(3)[None], "dielectric", tol=None), SettingError, "tol"),  # '<'
        (lambda: neighbor_edges(si, allow_isolated="no"), SettingError, "allow_isolated"),  # read as True
        (lambda: node_features([si], use_cache="no"), SettingError, "use_cache"),  # read as True
        (lambda: node_features([si], batch_size=None), SettingError, "batch size"),  # range() of None
        (lambda: as_structure("Si", name=3), SettingError, "structure name"),  # a label '3 (Si)'
        (lambda: task_data("dielectric", records="mp-1"), DataError, "TensorRecords"),  # 'str' has no 'tensor'
        (lambda: task_data("dielectric", records=[]), DataError, "TensorRecords"),  # numpy's stack of nothing
        (lambda: load_task("elastic", use_cache="no"), SettingError, "use_cache"),  # read as True
        (lambda: build_model("seconv", "dielectric", per_atom="no"), SettingError, "per_atom"),  # read as True
        (lambda: coefficients_to_tensors(np.zeros(18), "piezoelectric", log_target=True), UnknownNameError,
         "positive-definite"),  # KeyError: 'piezoelectric'
        (lambda: BackboneHead("8x0e", "x"), UnknownNameError, "irreps 'x'"),  # e3nn's ValueError
        (lambda: BackboneHead("8x0e", []), SettingError, "target irreps"),  # max() arg is an empty sequence
        (lambda: BackboneHead("8x0e", "1x0e", mul=None), SettingError, "mul"),  # 'Nonex0e' is not an irreps
        (lambda: BackboneHead("8x0e", "1x0e", mid_lmax=None), SettingError, "mid_lmax"),  # None + 1
        (lambda: BackboneModel("sevennet-0", "dielectric", per_atom="no"), SettingError, "per_atom"),  # read as True
        (lambda: BackboneHead("8x0e", "1x0e", pool_late="no"), SettingError, "pool_late"),  # read as True
        (lambda: merge_models("a.pt", "b.pt"), SettingError, "two or more"),  # read letter by letter
        (lambda: BackboneModel("sevennet-0", "dielectric", per_atom=True, pool_late=True), SettingError,
         "pool_late"),  # a per-atom head has nothing to pool
        (lambda: BackboneModel("sevennet-0", "elastic", shells=True, pool_late=True), SettingError,
         "pooled first"),  # ShellHead has no pool_late
        (lambda: BackboneModel("sevennet-0", "dielectric", members=10**30), SettingError, "members"),  # ran for minutes
        (lambda: ModuliHead(8, hidden=10**30), SettingError, "hidden"),  # torch's overflow
        (lambda: structure_figure(si, np.zeros(2)), SettingError, "title"),  # ambiguous truth
        (lambda: structure_scene(si, np.zeros(2)), SettingError, "scene_additions"),  # ambiguous truth
        (lambda: rotate_features(None, "1x1o", np.eye(3)), TensorInputError, "torch tensor"),  # an AttributeError
        (lambda: crystal_scalars(None), StructureError, "list of structures"),  # a TypeError
        (lambda: batch_graphs([]), SettingError, "sevennet_graph"),  # torch.cat of nothing
        (lambda: cli_main("decompose Si --kind elastic"), SettingError, "list of strings"),  # read letter by letter
        (lambda: cli_main(123), SettingError, "list of strings"),  # a TypeError
        (lambda: align_to_structure(eps, si, "dielectric", np.zeros(2)), DataError, "frame"),  # ambiguous truth
        (lambda: ionic_response(-1, np.eye(6), np.zeros((6, 3, 3)), 40.0), TensorInputError, "born"),  # len() of int
        (lambda: summary_html(None), SettingError, "tensor_summary"),  # 'NoneType' object is not subscriptable
        (lambda: report({}, {}), TensorInputError, "tensor_metrics"),  # KeyError: 'mean_component_mae'
        (lambda: split_l("m-3m", 2**63), SettingError, "<= 100"),  # an AssertionError
        (lambda: mulliken_labels("m-3m", [[1, 2], [3]]), TensorInputError, "got a list"),  # numpy's ragged error
        (lambda: orthogonal_matrix(np.eye(3), stack=np.ones(3)), SettingError, "stack"),  # ambiguous truth
        (lambda: load_model("x" * 300), ModelFileError, "over 255 bytes"),  # OSError: file name too long
        (lambda: data_dir("a\0b"), DataError, "NUL byte"),  # ValueError: embedded null byte
        (lambda: neighbor_edges(si, max_neighbors=2**63), SettingError, "<= 10000"),  # an OverflowError
        (lambda: validate_tensor(np.ones((3, 3, 3, 3, 3)), "elastic"), TensorInputError, "one full elastic"),
        (lambda: decomposition_report(np.ones((2, 3, 3)), "dielectric"), TensorInputError, "one dielectric"),
        (lambda: voigt_table_html(np.ones((2, 3, 3)), "dielectric"), TensorInputError, "one dielectric"),
        (lambda: split_ids(np.array(2.0)), SettingError, "material-id strings"),  # iteration over a 0-d array
        (lambda: split_ids(["a"], strata=np.array(2.0)), SettingError, "strata"),  # likewise
        (lambda: equivariant_model("dielectric", num_layers=2**63), SettingError, "<= 1024"),  # never returned
        (lambda: equivariant_model("dielectric", avg_neighbors=-1e-300), SettingError, "avg_neighbors"),  # math error
        (lambda: cgcnn_model(hidden=2**63), SettingError, "<= 1024"),  # torch's overflow
        (lambda: SevenNetEnergy(np.array(2.0)), UnknownNameError, "backbone"),  # unhashable
        (lambda: blend_bulk(np.float32(1.5), np.ones(1), 0.5), SettingError, "elastic coefficients"),  # IndexError
        (lambda: blend_moduli(np.zeros((1, 21)), np.ones(1), np.ones(1), [[1, 2], [3]]), SettingError, "weight"),
        (lambda: blend_moduli(np.zeros((1, 21)), np.ones(1), np.ones(1), np.array(2.0)), SettingError, "weights"),
        (lambda: TrainConfig("dielectric", "seconv", init_encoder="x" * 300).check(), SettingError, "no model file"),
        (lambda: TrainConfig("dielectric", "seconv", init_encoder=3).check(), SettingError, "init_encoder"),
        (lambda: element_baseline(None, [], [[14]]), TensorInputError, "atomic numbers"),  # len() of None
        (lambda: element_baseline([[14]], [np.zeros(3)], [[14]]), TensorInputError, r"\(n_atoms, 3, 3\)"),  # diag
        (lambda: element_baseline([[14]], [np.zeros((1, 3, 3))], "x"), TensorInputError, "atomic numbers"),  # int('x')
        (lambda: spd_map(np.eye(3), "dielectric", lambda w: w[..., :2]), SettingError, "same shape"),  # einsum's error
        (lambda: spd_map(np.eye(3), "dielectric", lambda w: np.log(w - 2)), TensorInputError, "NaN or inf"),  # kept NaN
        (lambda: real_cg(13, 0, 13), SettingError, "<= 12"),  # e3nn's NotImplementedError
        (lambda: save_figure("abc", "x.html"), SettingError, "plotly Figure"),  # an AttributeError
        (lambda: training_subset(["mp-1", "mp-1"], 1.0), DataError, "unique"),  # a subset with a repeat
    ]


@pytest.mark.parametrize("case", range(len(_cases_found_by_sweeping_every_parameter())))
def test_every_parameter_names_what_it_cannot_use(case):
    call, error, message = _cases_found_by_sweeping_every_parameter()[case]
    with pytest.raises(error, match=message):
        call()


def test_numpy_numbers_are_numbers():
    from tensor_nb.errors import check_range

    assert split_l("m-3m", np.int64(2)) == split_l("m-3m", 2)
    assert type(check_range(np.int32(4), "epochs", 1, integer=True)) is int
    assert exact_surd(np.float32(0.5)) == exact_surd(0.5)  # Fraction refused numpy scalars
    from tensor_nb.report import read_tensor

    assert np.allclose(read_tensor("1 0 0  0 1 0\n0 0 1", "dielectric"), np.eye(3))  # spaces separate numbers too
    typed = " ".join(f"{x:.6f}" for x in np.ravel(EXAMPLE_TENSORS["Si"]["elastic"]))  # 36 numbers, over 255 bytes
    assert np.allclose(full_to_voigt(read_tensor(typed, "elastic"), "elastic"), EXAMPLE_TENSORS["Si"]["elastic"])


@pytest.mark.parametrize("symprec", [-1e-3, 0.0, float("nan"), float("inf")])
def test_symprec_is_checked_before_spglib_sees_it(symprec):
    "A negative symprec made spglib end the whole process with a segmentation fault."
    from tensor_nb.symmetry import operations_of, site_operations, symmetrize_many

    nacl = example_structures()["NaCl"]
    for call in (lambda: operations_of(nacl, symprec), lambda: site_operations(nacl, symprec),
                 lambda: symmetrize_many(np.eye(3)[None], [nacl], "dielectric", symprec)):
        with pytest.raises(SettingError, match="symprec"):
            call()


def test_symmetrize_many_needs_one_tensor_per_structure():
    "Two tensors for one structure returned the second one as uninitialised memory."
    from tensor_nb.symmetry import symmetrize_many

    nacl = example_structures()["NaCl"]
    for T, kind in ((np.stack([np.eye(3)] * 2), "dielectric"), (np.eye(3)[None], "elastic"), (np.eye(3), "dielectric")):
        with pytest.raises(TensorInputError, match="for N = 1 structures"):
            symmetrize_many(T, [nacl], kind)


def _figure_and_report_cases():
    from tensor_nb.data import split_ids
    from tensor_nb.report import material_report, young_modulus_range
    from tensor_nb.widgets import born_charge_figure, directional_values, tensor_surface_figure

    zno, C = example_structures()["ZnO"], np.array(EXAMPLE_TENSORS["Si"]["elastic"], float)
    return {
        "unstable C": (lambda: young_modulus_range(-C), TensorInputError, "Born-unstable"),
        "zero C": (lambda: young_modulus_range(np.zeros((6, 6))), TensorInputError, "Born-unstable"),
        "no directions": (lambda: young_modulus_range(C, n=0), SettingError, "number of directions"),
        "unstable surface": (lambda: directional_values(voigt_to_full(-C, "elastic"), "elastic"), TensorInputError,
                             "Born-unstable"),
        "surface quantity": (lambda: directional_values(np.eye(3), "dielectric", "young"), UnknownNameError,
                             "dielectric surface quantity"),
        "surface batch": (lambda: directional_values(np.stack([np.eye(3)] * 2), "dielectric"), TensorInputError,
                          "one full dielectric tensor"),
        "no surfaces": (lambda: tensor_surface_figure({}, "elastic"), TensorInputError, "at least one tensor"),
        "Born charges per site": (lambda: born_charge_figure(zno, np.zeros((3, 3, 3))), TensorInputError,
                                  "one 3x3 per site"),
        "Born charges NaN": (lambda: born_charge_figure(zno, np.full((4, 3, 3), np.nan)), TensorInputError, "NaN"),
        "report task": (lambda: material_report(zno, tasks=["foo"]), UnknownNameError, "task 'foo'"),
        "split sum": (lambda: split_ids(["a", "b"], fractions=(0.5, 0.6, 0.1)), SettingError, "summing to 1"),
        "split strata": (lambda: split_ids(["a", "b"], ["x"]), SettingError, "1 strata for 2"),
    }


@pytest.mark.parametrize("case", list(_figure_and_report_cases()))
def test_figures_reports_and_splits_name_bad_input(case):
    "Each of these gave a raw LinAlgError, ValueError or KeyError, or (Born charges, splits) a silent wrong result."
    call, error, message = _figure_and_report_cases()[case]
    with pytest.raises(error, match=message):
        call()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=9, max_size=9), st.floats(0.1, 100),
       st.lists(st.sampled_from(["H", "O", "Na", "Cs", "U"]), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_fuzz_cells(rows, scale, species, seed):
    "Random cells (oblique, flat, huge, overlapping): a graph or a named error, never a crash or tens of GB."
    from tensor_nb.graphs import crystal_graph

    frac = np.random.default_rng(seed).uniform(-1, 2, (len(species), 3))
    try:
        s = Structure(Lattice(np.array(rows).reshape(3, 3) * scale), species, frac)
    except Exception:  # pymatgen refuses it itself
        return
    try:
        crystal_graph(s)
    except TensorNbError:
        pass


def test_oblique_cell_is_the_same_crystal():
    "A very oblique cell of NaCl (c' = c + 100 a) is reduced, not searched over 10^5 images, and predicts the same."
    from tensor_nb.cards import shipped_models
    from tensor_nb.prediction import predict

    nacl = example_structures()["NaCl"]
    a, b, c = nacl.lattice.matrix
    oblique = Structure(Lattice([a, b, c + 100 * a]), nacl.species, nacl.cart_coords, coords_are_cartesian=True)
    task = list(shipped_models())[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same, base = (np.asarray(predict(x, task, progress=False)) for x in (oblique, nacl))
    assert np.allclose(same, base, atol=1e-6 * max(1.0, np.abs(base).max()))


@pytest.mark.parametrize("thing", [5, "x" * 3, [1, 2], None])
def test_graph_of_something_that_is_not_a_structure(thing):
    from tensor_nb.graphs import crystal_graph

    with pytest.raises(StructureError, match="not a crystal structure"):
        crystal_graph(thing)


def test_model_file_that_is_a_pickle(tmp_path):
    from tensor_nb.checkpoint import load_model
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'ran'}",))

    (tmp_path / "evil.pt").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "evil.pt")
    assert not (tmp_path / "ran").exists()


# fuzzing: whatever arrives, the answer is a named error or a result
@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=5),
    kind=st.sampled_from(["dielectric", "elastic", "piezoelectric", "born_charge"]),
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.float16, np.complex128, bool, ">f8", np.longdouble]),
)
def test_fuzz_to_irreps(shape, kind, dtype):
    T = np.ones(shape, dtype=dtype)
    try:
        x = to_irreps(T, kind, strict=False)
    except TensorNbError:
        return
    assert np.isfinite(np.asarray(x)).all()


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=30))
def test_fuzz_names(text):
    from tensor_nb.data import get_task

    try:
        get_task(text)
    except TensorNbError:
        return


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_tensor_is_named_without_a_runtime_warning_first(value):
    T = np.eye(3)
    T[0, 0] = value
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TensorInputError, match="NaN or inf"):
            to_irreps(T, "dielectric")


def test_data_line_nested_too_deep(tmp_path):
    from tensor_nb.data import read_records

    path = tmp_path / "deep.jsonl"
    path.write_text('{"material_id": "mp-1"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(DataError, match=r"deep.jsonl:2: not a JSON record \(nested too deep\)"):
        list(read_records(path))


@pytest.mark.parametrize("case", ["voigt_table_html", "tensor_metrics", "symmetrize_sites", "directional_values",
                                  "born_charge_parts", "racah_sph_harm", "mae_heatmap"])
def test_report_and_teaching_doors_refuse_complex_input(case):
    "These cast to float, which keeps the real part of a complex array with only a numpy warning."
    from tensor_nb.harmonics import racah_sph_harm
    from tensor_nb.metrics import tensor_metrics
    from tensor_nb.report import voigt_table_html
    from tensor_nb.symmetry import symmetrize_sites
    from tensor_nb.widgets import born_charge_parts, directional_values, mae_heatmap

    z = np.zeros((2, 3, 3)) + 1j
    call = {"voigt_table_html": lambda: voigt_table_html(np.eye(3) + 1j, "dielectric"),
            "tensor_metrics": lambda: tensor_metrics(z, z.real, "dielectric"),
            "symmetrize_sites": lambda: symmetrize_sites(z, example_structures()["Si"]),
            "directional_values": lambda: directional_values(np.eye(3) + 1j, "dielectric"),
            "born_charge_parts": lambda: born_charge_parts(z),
            "racah_sph_harm": lambda: racah_sph_harm(1, np.array([1.0, 0, 0]) + 1j),
            "mae_heatmap": lambda: mae_heatmap({"model": np.ones((6, 6)) + 1j}, "elastic")}[case]
    with pytest.raises(TensorInputError, match="real and numeric"):
        call()


def test_young_diagrams_and_heatmaps_name_bad_shapes():
    from tensor_nb.widgets import mae_heatmap, young_summary_html
    from tensor_nb.young import dim_gl, standard_tableaux, young_components

    for shape in [(1, 3), (2, 0), (2.0, 1), "21", (True,)]:
        with pytest.raises(SettingError, match="a Young diagram is"):
            young_summary_html(shape)
    assert dim_gl([2, 1]) == 8 and len(standard_tableaux((2, 1))) == 2
    with pytest.raises(SettingError, match="up to 10 boxes"):
        standard_tableaux((12,))
    with pytest.raises(TensorInputError, match="rank 1-4"):
        young_components(np.zeros((2, 2)))
    for maes in [{"model": np.zeros((2, 2))}, {}]:
        with pytest.raises(TensorInputError, match="one elastic MAE per Voigt component"):
            mae_heatmap(maes, "elastic")


def test_structures_from_text_ase_formats_and_immutable_structures(tmp_path):
    "A CIF/POSCAR/JSON text raised OSError (file name too long); IStructure and extxyz were refused."
    from ase.io import write
    from pymatgen.core import IStructure
    from pymatgen.io.ase import AseAtomsAdaptor

    from tensor_nb.structures import as_structures

    zno = example_structures()["ZnO"]
    write(tmp_path / "zno.extxyz", AseAtomsAdaptor.get_atoms(zno))
    for item in [zno.to(fmt="cif"), zno.to(fmt="poscar"), zno.to(fmt="json"), IStructure.from_sites(zno),
                 str(tmp_path / "zno.extxyz")]:
        (s,) = as_structures(item)
        assert s.composition.reduced_formula == "ZnO" and np.allclose(s.lattice.matrix, zno.lattice.matrix)
    from tensor_nb.prediction import read_inputs

    assert read_inputs([zno.to(fmt="cif")])[1] == ["ZnO"]  # labelled by formula, not by the whole text
    (tmp_path / "mol.xyz").write_text("2\n\nH 0 0 0\nH 0 0 0.74\n")  # ASE reads it: a molecule, no cell
    for item, message in [("hello\nworld", "not a readable POSCAR text"), ("x" * 5000, "not a path"),
                          (str(tmp_path / "mol.xyz"), "without a three-dimensional cell")]:
        with pytest.raises(StructureError, match=message):
            as_structures(item)


NOT_STRUCTURES = ["Si", None, np.eye(3), {"lattice": 1}, [1, 2]]


@pytest.mark.parametrize("call", [space_group_operations, site_operations, improper_site_map, proper_orbits,
                                  vacuum_gap, neighbor_edges, structure_key, lambda s: graph_symmetry_defects(s, None),
                                  shell_harmonics, lambda s: crystal_scalars([s]),
                                  lambda s: align_to_structure(np.eye(3), s, "dielectric"),
                                  lambda s: crystal_panel(s, "x"),
                                  lambda s: atom_mapping(s, np.eye(3)[None], np.zeros((1, 3)))])
@pytest.mark.parametrize("item", NOT_STRUCTURES, ids=repr)
def test_structure_functions_refuse_what_is_not_a_structure(call, item):
    "Every exported function that reads a crystal names a non-structure (no AttributeError from deep inside)."
    with pytest.raises(StructureError, match="not a crystal structure"):
        call(item)


@pytest.mark.parametrize("call", [harmonic_coefficients, young_components, orthogonal_matrix,
                                  lambda x: wigner_D("1o", x), lambda x: l_character(x, 1)])
@pytest.mark.parametrize("item", ["abc", None, [[1, 2], [3]], np.full((3, 3), np.nan), np.eye(3) + 1j, np.zeros(5)],
                         ids=["text", "None", "ragged", "nan", "complex", "wrong shape"])
def test_tensor_functions_name_bad_arrays(call, item):
    "The teaching functions take arrays through the same door as `to_irreps`: a TensorInputError, never NaN out."
    with pytest.raises(TensorInputError):
        call(item)


@pytest.mark.parametrize("record", ["mp-149", None, [1, 2], np.eye(3)], ids=repr)
def test_a_record_is_a_dict(record):
    from tensor_nb.data import get_task, make_record, record_structure

    with pytest.raises(DataError, match="a record is a dict of fields"):
        record_structure(record)
    with pytest.raises(DataError, match="a record is a dict of fields"):
        make_record(record, get_task("dielectric"))


def test_reports_and_figures_read_structures_like_predict():
    "Report and figure functions take what `predict` takes (an example name here) and name what is not a structure."
    from tensor_nb.report import material_report
    from tensor_nb.widgets import structure_figure, structure_scene, tensor_surface_figure

    assert structure_figure("NaCl").layout.title.text == "NaCl"
    assert len(tensor_surface_figure(2 * np.eye(3), "dielectric").data) == 1  # one tensor, not only a dict of them
    for bad in ("abc", {"x": np.full((3, 3), np.nan)}, {}):
        with pytest.raises(TensorInputError):
            tensor_surface_figure(bad, "dielectric")
    for bad in (None, np.eye(3), "no-such-file.cif"):
        for call in (structure_scene, structure_figure, material_report):
            with pytest.raises(StructureError):
                call(bad)


def test_noble_gas_label_is_quiet():
    "Messages name a crystal of He (no Pauling electronegativity) without a pymatgen warning of their own."
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert structure_label(Structure(Lattice.cubic(4.2), ["He"], [[0, 0, 0]])) == "He"


@pytest.mark.parametrize(
    "contents, filename, message",
    [
        ("no data URL", "si.cif", "si.cif: the upload is not a base64 data URL"),
        ("data:;base64,%%%", "si.cif", "si.cif: the upload is not a base64 data URL"),
        (None, "si.cif", "not a base64 data URL"),
        ("data:;base64," + base64.b64encode(b"\x00\xff" * 8).decode(), "si.cif", "si.cif: not a readable structure"),
        ("CIF", "", "upload: not a readable structure"),
        ("CIF", ".", "upload: not a readable structure"),
    ],
)
def test_explorer_upload_errors_name_the_upload(contents, filename, message):
    "An unreadable upload is a StructureError naming the uploaded file, never the temporary copy or a raw error."
    if contents == "CIF":
        cif = example_structure("Si").to(fmt="cif").encode()
        contents = "data:application/octet-stream;base64," + base64.b64encode(cif).decode()
    with pytest.raises(StructureError, match=message) as e:
        _read_upload(contents, filename)
    assert "/tmp" not in str(e.value) and tempfile.gettempdir() not in str(e.value)


@pytest.mark.parametrize("filename", ["x" * 300 + ".cif", "\U0001F600" * 90 + ".cif", "a\x00b.cif", "dir/../Si.cif",
                                      "Fe\u2082O\u2083.cif"])
def test_explorer_upload_with_any_name_reads(filename):
    "A name no file system takes (too long in bytes, a NUL) is replaced; the extension still tells the format."
    cif = example_structure("Si").to(fmt="cif").encode()
    contents = "data:application/octet-stream;base64," + base64.b64encode(cif).decode()
    assert len(_read_upload(contents, filename)) == 1


@pytest.mark.parametrize("sub, key", [("../x", "k"), ("/abs", "k"), ("", "../../etc/passwd"), ("features/../..", "k"),
                                      ("", "/etc/passwd"), ("a//b", "k")])
def test_cache_names_never_become_paths(tmp_path, monkeypatch, sub, key):
    "A cache entry's folder and key are names: nothing outside the cache is read, written or deleted."
    from tensor_nb.cache import cache_get, cache_put, cache_put_torch

    monkeypatch.setenv("TENSOR_NB_CACHE", str(tmp_path / "cache"))
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    for call in (lambda: cache_put(key, {"x": 1}, sub), lambda: cache_get(key, sub),
                 lambda: cache_put_torch(key, torch.zeros(1), sub)):
        with pytest.raises(UnknownNameError, match="not a plain name"):
            call()
    assert victim.read_text() == "{}" and sorted(p.name for p in tmp_path.iterdir()) == ["victim.json"]


@given(st.floats(allow_nan=False), st.sampled_from(["{!r}", "{:.6e}", "{:g}", " {} ", "+{}"]))
def test_every_printed_number_reads_back(x, form):
    "What Python, numpy or a paper prints, read_tensor and load_folder read: parse_decimal is float's decimal part."
    from tensor_nb.errors import parse_decimal

    text = form.format(x)
    if text.startswith("+-"):  # '+' before a negative number: not a number anyone prints
        return
    assert parse_decimal(text) == float(text)


_ODD_ARGUMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 6), st.floats(allow_nan=True), st.text(max_size=6),
    st.lists(st.integers(-1, 4), max_size=4), st.tuples(st.integers(-1, 4), st.booleans()),
    st.tuples(st.tuples(st.integers(-1, 3), st.integers(-1, 3)), st.tuples(st.integers(-1, 3))),
)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 12), st.lists(_ODD_ARGUMENTS, min_size=1, max_size=3))
def test_cached_tables_answer_as_their_uncached_selves(which, args):
    """A cached table (`value_cache`) given anything either names the problem or answers, and its answer is the one
    its function gives without the cache: True is not 1 and a list is not refused by the cache itself."""
    from tensor_nb.decompose import change_of_basis, coupled_bases, harmonic_blocks, signed_permutations
    from tensor_nb.decompose import symmetry_projector
    from tensor_nb.examples import _example_dict
    from tensor_nb.harmonics import e3nn_from_real, real_from_complex
    from tensor_nb.symmetry import point_group_operations
    from tensor_nb.young import permutation_matrix, young_projector

    fn, arity = [(change_of_basis, 1), (symmetry_projector, 1), (signed_permutations, 1), (harmonic_blocks, 1),
                 (coupled_bases, 1), (cg_tensor, 3), (real_from_complex, 1), (e3nn_from_real, 1),
                 (point_group_operations, 1), (permutation_matrix, 1), (young_projector, 1), (_example_dict, 1),
                 (permutation_matrix, 2)][which]
    args = (args * 3)[:arity]

    def outcome(f):
        try:
            return "ok", f(*args)
        except TensorNbError as e:
            return type(e).__name__, None

    cached, uncached = outcome(fn), outcome(fn.__wrapped__)
    assert cached[0] == uncached[0], (args, cached[0], uncached[0])
    if cached[0] == "ok":
        assert repr(cached[1]) == repr(uncached[1])


def test_a_tensor_laid_out_in_the_wrong_shape_is_refused(tmp_path):
    """Numbers laid out as an array (brackets, lines of a text file, a .npy or .json array) were counted and read row
    by row whatever their shape: a transposed 6 x 3 piezoelectric matrix became a scrambled tensor, a 2 x 3 list six
    Voigt numbers of a permittivity."""
    e = np.arange(18.0).reshape(3, 6)
    np.save(tmp_path / "e.npy", e.T)
    (tmp_path / "e.csv").write_text("\n".join(",".join(map(str, row)) for row in e.T))
    (tmp_path / "eps.json").write_text("[[1, 2, 3], [4, 5, 6]]")
    for spec, kind, message in [(tmp_path / "e.npy", "piezoelectric", "6 x 3 array (it looks transposed)"),
                                (tmp_path / "e.csv", "piezoelectric", "6 x 3 array (it looks transposed)"),
                                (tmp_path / "eps.json", "dielectric", "2 x 3 array"),
                                (np.array2string(np.eye(9)), "elastic", "9 x 9 array")]:
        with pytest.raises(TensorInputError, match=re.escape(message)):
            read_tensor(str(spec), kind)
        assert_user_error(cli("decompose", str(spec), "--kind", kind), message)
    assert np.allclose(read_tensor(str(e.tolist()), "piezoelectric"), voigt_to_full(e, "piezoelectric"))
    (tmp_path / "e.csv").write_text("\n".join(",".join(map(str, row)) for row in e))
    assert np.allclose(read_tensor(str(tmp_path / "e.csv"), "piezoelectric"), voigt_to_full(e, "piezoelectric"))


def test_a_tensor_typed_at_full_precision_is_read_not_opened():
    "36 Voigt numbers with six decimals are over 255 bytes: read as numbers (it was `OSError: File name too long`)."
    typed = " ".join(f"{x:.6f}" for x in np.ravel(EXAMPLE_TENSORS["Si"]["elastic"]))
    proc = cli("decompose", typed, "--kind", "elastic", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kind"] == "elastic"


@pytest.mark.parametrize("make, message", [
    (lambda: Structure(Lattice.cubic(3), ["Na"], [[np.nan, 0, 0]]), "NaN or inf"),  # spglib crashed the process
    (lambda: Structure(Lattice.cubic(np.inf), ["Na"], [[0, 0, 0]]), "NaN or inf"),
    (lambda: Structure(Lattice.cubic(3.6), [{"Cu": 0.5, "Au": 0.5}], [[0, 0, 0]]), "disordered"),  # AttributeError
])
def test_symmetry_functions_name_structures_spglib_cannot_take(make, message):
    """Called directly (predict validates first), the symmetry functions, the explorer's crystal page and the graph
    helpers refuse what spglib cannot take, by name (it crashed the process on NaN)."""
    from tensor_nb.symmetry import exact_symmetric, is_polar, operations_of, polar_optical_modes

    s = make()
    for call in (lambda: operations_of(s), lambda: is_polar(s), lambda: polar_optical_modes(s),
                 lambda: site_operations(s), lambda: symmetrize(np.eye(3), s, "dielectric"),
                 lambda: crystal_panel(s, "x"), lambda: exact_symmetric(s),  # they took it for "no symmetry found"
                 lambda: symmetric_displacements(s), lambda: proper_orbits(s), lambda: vacuum_gap(s),
                 lambda: structure_key(s), lambda: neighbor_edges(s, 5.0)):
        with pytest.raises(StructureError, match=message):
            call()

def test_cli_predict_reads_standard_input(tmp_path):
    "`-` reads a structure file's text from stdin (a pipe); an empty stdin is one named error, not 'no such file'."
    cif = example_structure("ZnO").to(fmt="cif")
    run = lambda text, *args: subprocess.run([sys.executable, "-m", "tensor_nb.cli", "predict", *args, "--kind",
                                              "dielectric"], input=text, capture_output=True, text=True, timeout=900)
    proc = run(cif, "-", "NaCl")
    assert proc.returncode == 0 and "ZnO: dielectric" in proc.stdout and "NaCl: dielectric" in proc.stdout, proc.stderr
    assert_user_error(run("", "-"), "standard input holds no structure")


def test_missing_or_mismatched_model_parts_are_named(tmp_path, monkeypatch):
    "A shipped model's parts (the dielectric card's `parts`) that are missing or do not fit it: ModelFileError."
    import json
    import shutil

    import tensor_nb.cards as cards
    import tensor_nb.prediction as prediction
    from tensor_nb.examples import example_structure

    for f in ("dielectric.pt", "dielectric.json", "elastic.pt"):
        shutil.copyfile(cards.ASSETS / f, tmp_path / f)
    card = json.loads((tmp_path / "dielectric.json").read_text())
    monkeypatch.setattr(cards, "ASSETS", tmp_path)
    monkeypatch.setattr(prediction, "ASSETS", tmp_path)
    for file, message in (("nothing_here.pt", "no such model file"), ("elastic.pt", "do not match it")):
        card["parts"] = {"weight": 0.5, "models": [{"part": "ionic", "file": file, "shift": 2.0}]}
        (tmp_path / "dielectric.json").write_text(json.dumps(card))
        with pytest.raises(ModelFileError, match=message):
            prediction.predict(example_structure("NaCl"), "dielectric")
