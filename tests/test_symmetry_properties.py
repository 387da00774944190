"""Property tests of the symmetry shortcuts: orbits under the exact rotations, their atom maps and Wigner matrices."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from tensor_nb.examples import example_structures
from tensor_nb.harmonics import wigner_D, wigner_D_batch
from tensor_nb.structures import transformed_structure
from tensor_nb.symmetry import operations_of, point_group_operations, polar_optical_modes, proper_orbits
from tensor_nb.symmetry import symmetric_displacements, symmetry_symbols

EXAMPLES = example_structures()


def turned(s, seed: int):
    "The crystal rotated by a random proper rotation (positions and lattice)."
    out = s.copy()
    out.lattice = type(s.lattice)(s.lattice.matrix @ Rotation.random(random_state=seed).as_matrix().T)
    return out


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(EXAMPLES)), cells=st.tuples(*[st.integers(1, 2)] * 3), seed=st.integers(0, 2**16))
def test_symmetric_displacements_keep_the_symmetry(name, cells, seed):
    """The free internal coordinates are orthonormal, move no crystal rigidly, keep the crystal's operations (each
    carries every displacement pattern onto itself), and their number does not depend on the frame."""
    s = turned(EXAMPLES[name] * cells, seed)
    B = symmetric_displacements(s)
    n, d = len(s), B.shape[1]
    assert np.allclose(B.T @ B, np.eye(d), atol=1e-9) and np.allclose(B.reshape(n, 3, d).sum(0), 0, atol=1e-9)
    u = B.reshape(n, 3, d)
    rep, R, maps = proper_orbits(s)
    for j in range(n):  # the operation carrying atom rep[j] onto j carries every displacement pattern onto itself
        assert np.allclose(u[maps[j]], np.einsum("ab,kbd->kad", R[j], u), atol=1e-9)
    assert d == symmetric_displacements(EXAMPLES[name] * cells).shape[1]  # the same in every frame


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(EXAMPLES)), cells=st.tuples(*[st.integers(1, 2)] * 3), seed=st.integers(0, 2**16))
def test_orbit_maps_are_symmetry_operations(name, cells, seed):
    "Each atom's rotation and atom map are one operation of the crystal that carries its orbit's first atom onto it."
    s = turned(EXAMPLES[name] * cells, seed)
    rep, R, maps = proper_orbits(s)
    n, L = len(s), s.lattice.matrix
    assert (rep <= np.arange(n)).all() and (rep[rep] == rep).all()  # the first atom of an orbit is its own
    for j in range(n):
        assert np.allclose(R[j] @ R[j].T, np.eye(3), atol=1e-12) and np.isclose(np.linalg.det(R[j]), 1)
        assert maps[j, rep[j]] == j and sorted(maps[j]) == list(range(n))  # a permutation carrying rep[j] onto j
        assert all(s.atomic_numbers[k] == s.atomic_numbers[maps[j, k]] for k in range(n))  # of the same element
        moved = s.cart_coords @ R[j].T
        shift = np.linalg.solve(L.T, (s.cart_coords[maps[j]] - moved).T).T  # fractional translation per atom
        spread = shift - shift[0]
        assert np.abs(spread - np.round(spread)).max() < 1e-6  # one translation for every atom: an operation
    assert (rep == proper_orbits(EXAMPLES[name] * cells)[0]).all()  # the same orbits in every frame


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(EXAMPLES)), shear=st.sampled_from([0.0, 0.3, 1.0, 3.0]), seed=st.integers(0, 2**16))
def test_named_group_is_the_group_of_the_operations(name, shear, seed):
    """The point group that reports name (`symmetry_symbols`) has as many operations as symmetrisation uses, also for
    a cell sheared by a few degrees (which pymatgen's 5-degree tolerance would still call the unsheared group)."""
    s = EXAMPLES[name].copy()
    a, b, c, alpha, beta, gamma = s.lattice.parameters
    s.lattice = type(s.lattice).from_parameters(a, b, c, alpha + shear, beta, gamma)
    s = turned(s, seed)
    assert len(operations_of(s)) == len(point_group_operations(symmetry_symbols(s)[1]))
    assert symmetry_symbols(s) == symmetry_symbols(EXAMPLES[name]) or shear > 0  # a rotation changes no symbol


@settings(max_examples=40, deadline=None)
@given(l=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_batched_wigner_matrices_are_the_single_ones(l, seed):
    Rs = Rotation.random(3, random_state=seed).as_matrix()
    D = wigner_D_batch(l, Rs)
    assert np.abs(D - np.stack([wigner_D(f"{l}e", R) for R in Rs])).max() < 1e-12
    assert np.allclose(D[0] @ D[1], wigner_D_batch(l, (Rs[0] @ Rs[1])[None])[0], atol=1e-12)  # a representation


@pytest.mark.parametrize("task", ["dielectric", "piezoelectric"])
def test_crystals_move_onto_their_exact_symmetry_covariantly(task, data_dir):
    """MP test crystals symmetric within rounding: `exact_symmetric` makes the symmetry exact, moves atoms by about
    the miss and commutes with rotations and inversion."""
    from tensor_nb.data import dataset_splits, load_task
    from tensor_nb.symmetry import exact_symmetric, improper_site_map, proper_orbits

    ds = load_task(task, progress=False)
    test = set(dataset_splits(ds)["test"])
    moved = [(r.structure, x) for r in ds.records if r.material_id in test
             and (x := exact_symmetric(r.structure)) is not r.structure][:20]
    assert moved, "no crystal of the test split is symmetric within rounding only"
    for k, (s, x) in enumerate(moved):
        assert np.abs(x.cart_coords - s.cart_coords).max() < 2e-5
        assert (improper_site_map(s, 1e-5) is None) == (improper_site_map(x) is None)
        assert len(set(proper_orbits(x)[0].tolist())) <= len(set(proper_orbits(s, 1e-5)[0].tolist()))
        for det in (1, -1):
            Q = Rotation.random(random_state=k).as_matrix() * det
            assert np.allclose(exact_symmetric(transformed_structure(s, Q)).cart_coords,
                               transformed_structure(x, Q).cart_coords, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(EXAMPLES)), cells=st.tuples(*[st.integers(1, 2)] * 3), seed=st.integers(0, 2**16))
def test_polar_optical_modes_do_not_depend_on_the_cell(name, cells, seed):
    """A supercell, whose basis can hide rotations from spglib (a 1 x 2 x 1 cell of tetragonal BaTiO3 counted 12
    instead of 7), and a rotation or reflection of the crystal leave the count unchanged."""
    s = EXAMPLES[name].copy()
    s.make_supercell(list(cells))
    s = turned(s, seed)
    mirrored = type(s)(type(s.lattice)(-s.lattice.matrix), s.species, s.frac_coords)  # every position inverted
    assert polar_optical_modes(s) == polar_optical_modes(mirrored) == polar_optical_modes(EXAMPLES[name])
