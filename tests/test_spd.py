"""Property tests of the log-Euclidean maps of positive-definite tensors (03b_spd) and of the permittivity parts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from tensor_nb.conventions import full_to_voigt, voigt_to_full
from tensor_nb.errors import SettingError, TensorInputError
from tensor_nb.spd import spd_exp, spd_log
from tensor_nb.train import TrainConfig


def act(T: np.ndarray, R: np.ndarray) -> np.ndarray:
    "R applied to every index of T."
    for k in range(T.ndim):
        T = np.moveaxis(np.tensordot(R, T, axes=([1], [k])), 0, k)
    return T


def spd(kind: str, seed: int, spread: float) -> np.ndarray:
    "A random positive-definite tensor whose eigenvalues span about `spread` orders of magnitude."
    rng = np.random.default_rng(seed)
    d = 3 if kind == "dielectric" else 6
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    M = Q @ np.diag(10 ** rng.uniform(0, spread, d)) @ Q.T
    return M if kind == "dielectric" else voigt_to_full(M / np.outer(*[np.r_[1, 1, 1, [2**0.5] * 3]] * 2), "elastic")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["dielectric", "elastic"]), st.integers(0, 10**6), st.floats(0, 3), st.booleans())
def test_log_is_equivariant_and_inverted_by_exp(kind, seed, spread, improper):
    T = spd(kind, seed, spread)
    R = Rotation.random(random_state=seed).as_matrix() * (-1 if improper else 1)
    L = spd_log(T, kind)
    np.testing.assert_allclose(spd_exp(L, kind), T, rtol=1e-9, atol=1e-9 * np.abs(T).max())
    np.testing.assert_allclose(spd_log(act(T, R), kind), act(L, R), atol=1e-9 * max(1, np.abs(L).max()))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["dielectric", "elastic"]), st.integers(0, 10**6))
def test_exp_is_positive_definite_with_the_index_symmetry(kind, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(3, 3) if kind == "dielectric" else (6, 6))  # log-eigenvalues within about +-8
    A = A + A.T
    T = spd_exp(A if kind == "dielectric" else voigt_to_full(A, kind), kind)
    M = T if kind == "dielectric" else full_to_voigt(T, kind)
    np.testing.assert_allclose(M, M.T, atol=1e-12 * np.abs(M).max())
    assert (np.linalg.eigvalsh(M) > 0).all()


@pytest.mark.parametrize("bad, kind, message", [
    (np.diag([1.0, 0.0, 2.0]), "dielectric", "not positive definite"),
    (np.eye(3), "piezo", "positive-definite tensor kind"),
    (np.eye(3), "Elastic", "positive-definite tensor kind"),
    (np.full((3, 3), np.inf), "dielectric", "NaN or inf"),
    (np.eye(2), "dielectric", "ending in 2 axes"),
    (np.eye(3) + np.triu(np.ones((3, 3)), 1), "dielectric", "break the index symmetry"),
    (voigt_to_full(np.eye(6) + np.triu(np.ones((6, 6)), 1), "elastic"), "elastic", "break the index symmetry"),
    (np.diag([1.0, 1e-14, 2.0]), "dielectric", "not positive definite"),
])
def test_bad_inputs_are_named(bad, kind, message):
    with pytest.raises((TensorInputError, ValueError), match=message):
        spd_log(bad, kind)


def test_strict_false_maps_the_symmetric_part():
    A = np.diag([2.0, 3.0, 4.0]) + np.triu(np.ones((3, 3)), 1)
    np.testing.assert_allclose(spd_log(A, "dielectric", strict=False), spd_log((A + A.T) / 2, "dielectric"), atol=1e-12)


def test_log_target_only_for_positive_definite_tasks():
    for task in ["piezoelectric", "born_charges", "band_gap"]:
        with pytest.raises(SettingError, match="log_target"):
            TrainConfig(task=task, log_target=True).check()
    with pytest.raises(SettingError, match="cannot be combined"):
        TrainConfig(task="elastic", log_target=True, bulk_prior=True).check()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.floats(0, 3), st.sampled_from([0.0, 2.0]), st.booleans())
def test_permittivity_parts_are_positive_semidefinite_and_equivariant(seed, spread, shift, improper):
    "A part model's answer minus its shift (11_prediction's `_part_tensors`), any eigenvalue below zero raised to it."
    from tensor_nb.prediction import _part_tensors

    T = spd("dielectric", seed, spread) - 1.5 * np.eye(3)  # eigenvalues from -0.5 up: some below zero
    R = Rotation.random(random_state=seed).as_matrix() * (-1 if improper else 1)
    P = _part_tensors(T + shift * np.eye(3), shift, "dielectric")
    w, V = np.linalg.eigh(T)
    np.testing.assert_allclose(P, V @ np.diag(np.maximum(w, 0)) @ V.T, atol=1e-12 * max(1, np.abs(T).max()))
    assert np.linalg.eigvalsh(P).min() >= -1e-12 * max(1, np.abs(T).max())
    np.testing.assert_allclose(_part_tensors(act(T, R) + shift * np.eye(3), shift, "dielectric"), act(P, R),
                               atol=1e-9 * max(1, np.abs(T).max()))
