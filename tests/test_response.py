"""Ionic response from force constants and Born charges (07c_potential): a solvable diatomic model and bad inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensor_nb.errors import SettingError, TensorInputError
from tensor_nb.potential import ionic_response


def diatomic(k: float, z: float):
    "Two ions +-z bound by an isotropic spring k (eV/A^2), no internal strain: (born, phi, lam)."
    phi = k * np.kron(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.eye(3))
    born = np.stack([z * np.eye(3), -z * np.eye(3)])
    return born, phi, np.zeros((6, 3, 3))


@settings(max_examples=30, deadline=None)
@given(k=st.floats(0.6, 50), z=st.floats(0.1, 3), volume=st.floats(10, 500))
def test_diatomic_dielectric_constant(k, z, volume):
    # one optical mode per axis, eigenvalue 2k, mode charge sqrt(2) z: eps = e^2 z^2 / (eps0 volume k)
    eps, e = ionic_response(*diatomic(k, z), volume)
    np.testing.assert_allclose(eps, 180.9512 * z**2 / (volume * k) * np.eye(3), rtol=1e-4)
    assert np.abs(e).max() == 0


def test_soft_modes_count_as_the_floor():
    soft, floored = ionic_response(*diatomic(0.01, 1.0), 100.0)[0], ionic_response(*diatomic(0.25, 1.0), 100.0)[0]
    np.testing.assert_allclose(soft, floored)  # 2k = 0.02 and 0.5: both at the default floor 0.5
    unstable = ionic_response(*diatomic(-3.0, 1.0), 100.0)[0]
    np.testing.assert_allclose(unstable, floored)
    assert ionic_response(*diatomic(0.01, 1.0), 100.0, floor=0.02)[0][0, 0] > 20 * soft[0, 0]


@pytest.mark.parametrize("change, error, message", [
    (lambda b, p, l, v: (b[:1], p, l, v), TensorInputError, "born (N, 3, 3)"),
    (lambda b, p, l, v: (b[..., :2], p, l, v), TensorInputError, "born (N, 3, 3)"),
    (lambda b, p, l, v: (b, p[:5], l, v), TensorInputError, "phi (3N, 3N)"),
    (lambda b, p, l, v: (b, p, l[:, :2], v), TensorInputError, "lam (3N, 3, 3)"),
    (lambda b, p, l, v: (b, p, l, 0.0), SettingError, "cell volume"),
    (lambda b, p, l, v: (b, p, l, float("nan")), SettingError, "cell volume"),
])
def test_bad_inputs_are_named(change, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        ionic_response(*change(*diatomic(1.0, 1.0), 100.0))


def test_floor_must_be_positive():
    for floor in (0, -1.0, float("inf")):
        with pytest.raises(SettingError, match="soft-mode floor"):
            ionic_response(*diatomic(1.0, 1.0), 100.0, floor=floor)
