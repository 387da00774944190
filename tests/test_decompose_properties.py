"""Property tests of the harmonic decomposition: linearity, isometry, equivariance, round trips."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.transform import Rotation

from tensor_nb.conventions import TENSOR_KINDS, full_to_voigt, voigt_to_full
from tensor_nb.decompose import (
    FUSED_MIN_ROWS,
    KERNEL_LAYOUTS,
    block_transpose,
    change_of_basis,
    formula_of,
    from_irreps,
    fused_kernel,
    irreps,
    rank_of,
    symmetry_projector,
    symmetry_violation,
    to_irreps,
)
from tensor_nb.harmonics import wigner_D

KINDS = ["dielectric", "piezoelectric", "elastic"]
FORMULAS = ["ij", "ij=-ji", "ijk=jik", "ijk=jki", "ijk=-jik=-ikj", "ijkl=jilk", "ijkl=klij", "ijkl=-jikl=-ijlk"]
finite = st.floats(-1e3, 1e3, allow_nan=False, width=64)
FUSED_ROWS = FUSED_MIN_ROWS + 904  # takes the fused kernel; its 1000-row chunks take the matrix path


def symmetric(kind: str, raw: np.ndarray) -> np.ndarray:
    "Project raw numbers onto the tensors that obey the kind's index symmetry."
    n = rank_of(kind)
    return (raw.reshape(-1, 3**n) @ symmetry_projector(formula_of(kind))).reshape(-1, *(3,) * n)


def act(T: np.ndarray, R: np.ndarray, n: int) -> np.ndarray:
    "Apply R to each of the last n indices of T."
    for k in range(n):
        T = np.moveaxis(np.tensordot(T, R, axes=([T.ndim - n + k], [1])), -1, T.ndim - n + k)
    return T


@pytest.mark.parametrize("kind", KINDS + FORMULAS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_round_trip_isometry_equivariance(kind, data):
    n = rank_of(kind)
    raw = data.draw(arrays(np.float64, (2, 3**n), elements=finite))
    T = symmetric(kind, raw)
    x = to_irreps(T, kind)
    assert x.shape == (2, change_of_basis(kind).shape[0])
    scale = max(1.0, np.abs(T).max())
    assert np.abs(from_irreps(x, kind) - T).max() < 1e-12 * scale
    assert np.allclose(np.linalg.norm(x, axis=1), np.linalg.norm(T.reshape(2, -1), axis=1), atol=1e-12 * scale)
    quat = data.draw(arrays(np.float64, 4, elements=st.floats(-1, 1)).filter(lambda q: np.linalg.norm(q) > 0.1))
    R = Rotation.from_quat(quat).as_matrix() * data.draw(st.sampled_from([1, -1]))
    assert np.abs(to_irreps(act(T, R, n), kind) - x @ wigner_D(irreps(kind), R).T).max() < 1e-11 * scale


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_linear_and_type_preserving(kind, data):
    n = rank_of(kind)
    A, B = (symmetric(kind, data.draw(arrays(np.float64, (3, 3**n), elements=finite))) for _ in range(2))
    a = data.draw(finite)
    assert np.allclose(
        to_irreps(A + a * B, kind),
        to_irreps(A, kind) + a * to_irreps(B, kind),
        atol=1e-9 * (1 + abs(a)) * max(1, np.abs(A).max(), np.abs(B).max()),
    )
    t32 = torch.tensor(A, dtype=torch.float32)
    x32 = to_irreps(t32, kind)
    assert isinstance(x32, torch.Tensor) and x32.dtype == torch.float32 and x32.shape[:-1] == t32.shape[:-n]


@pytest.mark.parametrize("kind", list(TENSOR_KINDS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_voigt_round_trip(kind, data):
    k = TENSOR_KINDS[kind]
    V = data.draw(arrays(np.float64, k.voigt_shape, elements=finite))
    if k.rank == 4 or k.rank == 2:
        V = V + V.T
    assert np.allclose(full_to_voigt(voigt_to_full(V, kind), kind), V)
    assert to_irreps(voigt_to_full(V, kind), kind).shape[-1] == change_of_basis(kind).shape[0]
    with warnings.catch_warnings():  # torch in, torch out, without a warning (the index maps are shared arrays)
        warnings.simplefilter("error")
        full = voigt_to_full(torch.from_numpy(V), kind)
        assert isinstance(full, torch.Tensor) and np.allclose(full_to_voigt(full, kind).numpy(), V)


@pytest.mark.parametrize("kind", KINDS)
def test_asymmetric_input_is_named_or_projected(kind):
    n = rank_of(kind)
    T = np.random.default_rng(0).normal(size=(4,) + (3,) * n)
    with pytest.raises(ValueError, match="break the index symmetry"):
        to_irreps(T, kind)
    x = to_irreps(T, kind, strict=False)
    assert np.allclose(from_irreps(x, kind), symmetric(kind, T.reshape(4, -1)))


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros((3, 3, 2))])
def test_wrong_shape_is_named(bad):
    with pytest.raises(ValueError, match="axes of size 3"):
        to_irreps(bad, "dielectric")


@pytest.mark.parametrize("kind", KINDS + ["ijk=-jik=-ikj", "ijkl=jilk"])
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-100, 1e100), break_at=st.integers(0, FUSED_ROWS - 1))
def test_fused_kernel_matches_matrix_product(kind, seed, scale, break_at):
    "Large batches (fused numba kernel) give the small-batch path's coefficients and find the same broken tensor."
    rng = np.random.default_rng(seed)
    n, rows = rank_of(kind), FUSED_ROWS
    T = symmetric(kind, scale * rng.normal(size=(rows, 3**n)))
    x = to_irreps(T, kind)
    ref = np.concatenate([to_irreps(T[i : i + 1000], kind) for i in range(0, rows, 1000)])
    assert np.allclose(x, ref, rtol=1e-12, atol=1e-12 * scale)
    T[break_at].flat[1] += 0.1 * np.abs(T[break_at]).max() + 1e-300
    viol = symmetry_violation(T, kind)
    assert int(viol.argmax()) == break_at and np.isclose(
        viol[break_at], symmetry_violation(T[break_at], kind), rtol=1e-6
    )


@pytest.mark.skipif(fused_kernel("dielectric") is None, reason="numba is not installed")
@settings(max_examples=12, deadline=None)
@given(rows=st.integers(1, 19), cols=st.integers(1, 19), pad=st.integers(0, 3), i=st.integers(0, 5),
       k=st.integers(0, 5), dtype=st.sampled_from(["float32", "float64"]))
def test_block_transpose_copies_exactly_the_block(rows, cols, pad, i, k, dtype):
    "Any block shape (whole and partial 8 x 8 tiles), stride and offset: the transposed block lands, nothing else."
    from numba import njit

    f = block_transpose(rows, cols, cols + pad, rows + pad)
    run = njit(lambda src, dst: f(src, i, dst, k))
    src = np.arange(i + rows * (cols + pad) + 3, dtype=dtype)
    dst = np.full(k + cols * (rows + pad) + 3, -1, dtype)
    run(src, dst)
    expected = np.full_like(dst, -1)
    for c in range(cols):
        start = k + c * (rows + pad)
        expected[start:start + rows] = src[i + c:i + c + rows * (cols + pad):cols + pad]
    np.testing.assert_array_equal(dst, expected)


@pytest.mark.skipif(fused_kernel("dielectric") is None, reason="numba is not installed")
@pytest.mark.parametrize("layout", KERNEL_LAYOUTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", KINDS + ["ijk=-jik=-ikj"])
def test_every_kernel_layout_matches_the_definition(kind, dtype, layout):
    "Each layout (whichever this machine picks) gives Q T and the excess over tolerance, a partial last block too."
    rng = np.random.default_rng(0)
    n_out, n_in = change_of_basis(kind).shape
    rows = FUSED_MIN_ROWS + 7
    A = symmetric(kind, rng.normal(size=(rows, n_in))).reshape(rows, n_in).astype(dtype)
    A[5, 1] += 1.0  # breaks the symmetry
    A[9, 0] = np.nan
    out, excess = np.empty((rows, n_out), dtype), np.empty(rows, dtype)
    fused_kernel(kind, dtype, layout)(A, out, excess, A.dtype.type(1e-6))
    A64 = A.astype(np.float64)
    ok = np.arange(rows) != 9
    Q = change_of_basis(kind)
    assert np.allclose(out[ok], A64[ok] @ Q.T, rtol=1e-5, atol=1e-5 if dtype == "float32" else 1e-12)
    assert excess[5] > 0 and np.isnan(excess[9]) and (excess[ok & (np.arange(rows) != 5)] <= 1e-5).all()


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, 21, elements=st.floats(-500, 500)), arrays(np.float64, 6, elements=st.floats(-50, 50)))
def test_compact_typed_forms_read_as_the_full_voigt_matrix(upper, eps):
    "The 21 numbers of a 6 x 6 upper triangle and the 6 Voigt numbers of a symmetric 3 x 3 read as the full forms."
    from tensor_nb.report import read_tensor

    C = np.zeros((6, 6))
    C[np.triu_indices(6)] = upper
    C = C + np.triu(C, 1).T
    typed = lambda x: " ".join(repr(float(v)) for v in np.ravel(x))  # noqa: E731
    assert np.array_equal(read_tensor(typed(upper), "elastic"), read_tensor(typed(C), "elastic"))
    E = np.array([[eps[0], eps[5], eps[4]], [eps[5], eps[1], eps[3]], [eps[4], eps[3], eps[2]]])
    assert np.array_equal(read_tensor(typed(eps), "dielectric"), E)
