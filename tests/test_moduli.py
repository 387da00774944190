"""The moduli head (07d_moduli): the blend moves the Voigt moduli by exactly its share of the gap to the head's
moduli, commutes with rotations and inversion and keeps the anisotropic part; the head and its packed form survive a
weights-only model file; bad weights, shapes and summaries are refused by name."""

import io

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from tensor_nb.conventions import full_to_voigt, rotate_tensor, voigt_to_full
from tensor_nb.decompose import from_irreps, irreps_slices, to_irreps
from tensor_nb.errors import SettingError, TensorInputError
from tensor_nb.metrics import vrh_moduli
from tensor_nb.moduli import (ModuliHead, apply_moduli_prior, blend_moduli, fit_moduli_head, fit_moduli_weights,
                              pack_moduli_prior, unpack_moduli_prior)

from test_potential import g_voigt, k_voigt, voigt  # the same stiffness strategy and Voigt moduli


@settings(max_examples=50, deadline=None)
@given(voigt, st.floats(1, 500), st.floats(1, 300), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2**31 - 1))
@example(np.full((6, 6), 6.02587215e-108), 1.0, 1.0, 0.0, 0.0, 0)  # rank 1: rounding once made it "stable"
def test_blend_moves_the_voigt_moduli_and_commutes_with_rotations(V, k, g, wk, wg, seed):
    C = voigt_to_full((V + V.T) / 2, "elastic")
    x = to_irreps(C, "elastic")[None]
    K, G = vrh_moduli(full_to_voigt(C, "elastic"))
    y = blend_moduli(x, np.array([k]), np.array([g]), (wk, wg))
    out = from_irreps(y, "elastic")[0]
    tol = 1e-9 * (1 + k + g + np.abs(C).max())
    assert abs(k_voigt(out) - (k_voigt(C) + wk * (k - K))) < tol
    assert abs(g_voigt(out) - (g_voigt(C) + wg * (g - G))) < tol
    l0 = [i for l, _, sl in irreps_slices("elastic") if l == 0 for i in range(sl.start, sl.stop)]
    np.testing.assert_allclose(np.delete(y, l0, -1), np.delete(x, l0, -1), atol=tol)  # the l = 2, 4 parts stay
    R = Rotation.random(random_state=seed).as_matrix() * (-1) ** (seed % 2)
    rotated = blend_moduli(to_irreps(rotate_tensor(C, R), "elastic")[None], np.array([k]), np.array([g]), (wk, wg))
    np.testing.assert_allclose(from_irreps(rotated, "elastic")[0], rotate_tensor(out, R), atol=tol)


def test_blend_works_on_every_member_at_once():
    C = np.stack([voigt_to_full(np.diag([200, 200, 200, 80, 80, 80.0]) + 50 * (np.arange(6)[:, None] < 3)
                                * (np.arange(6) < 3), "elastic") * s for s in (1.0, 1.5)])
    x = to_irreps(C, "elastic")
    members = np.stack([x, 0.9 * x])
    k, g = np.array([150.0, 160.0]), np.array([70.0, 90.0])
    both = blend_moduli(members, k, g, (0.5, 0.5))
    np.testing.assert_allclose(both[1], blend_moduli(0.9 * x, k, g, (0.5, 0.5)))


@pytest.mark.parametrize("weights, message", [((0.5, 1.5), "weight"), ((float("nan"), 0.5), "weight"),
                                               (0.5, r"\(w_k, w_g\)"), ((0.1, 0.2, 0.3), r"\(w_k, w_g\)"),
                                               ("ab", "weight")])
def test_blend_refuses_bad_weights(weights, message):
    with pytest.raises(SettingError, match=message):
        blend_moduli(np.zeros((2, 21)), np.ones(2), np.ones(2), weights)


def test_blend_refuses_bad_shapes_and_moduli():
    x = np.zeros((2, 21))
    for k, g in ((np.ones(3), np.ones(3)), (np.ones(2), np.ones(3)), (np.ones((2, 1)), np.ones((2, 1)))):
        with pytest.raises(SettingError, match="moduli"):
            blend_moduli(x, k, g, (0.5, 0.5))
    with pytest.raises(SettingError, match="elastic coefficients"):
        blend_moduli(np.zeros((2, 6)), np.ones(2), np.ones(2), (0.5, 0.5))
    with pytest.raises(SettingError, match="elastic coefficients"):
        blend_moduli(np.zeros(21), np.ones(1), np.ones(1), (0.5, 0.5))
    with pytest.raises(TensorInputError, match="shear moduli"):
        blend_moduli(x, np.ones(2), np.array([1.0, np.inf]), (0.5, 0.5))


def test_packed_head_survives_a_weights_only_file_and_predicts_the_same():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(60, 5))
    moduli = np.exp(np.stack([4 + 0.3 * z[:, 0], 3 + 0.2 * z[:, 1]], 1))
    head = fit_moduli_head(z, moduli, np.arange(40), np.arange(40, 50), hidden=8, members=2, epochs=5, progress=False)
    buf = io.BytesIO()
    torch.save({"moduli_prior": pack_moduli_prior(head, (0.3, 0.6), trained_on="test")}, buf)
    prior = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)["moduli_prior"]
    assert prior["weights"] == [0.3, 0.6] and prior["trained_on"] == "test"
    np.testing.assert_allclose(unpack_moduli_prior(prior).moduli(z), head.moduli(z), rtol=1e-5)  # float32 weights
    x = to_irreps(voigt_to_full(np.diag([200, 200, 200, 80, 80, 80.0]), "elastic"), "elastic")[None].repeat(3, 0)
    k, g = head.moduli(z[:3])
    np.testing.assert_allclose(apply_moduli_prior(x, z[:3], prior), blend_moduli(x, k, g, (0.3, 0.6)))


def test_the_head_and_its_fit_refuse_bad_inputs():
    head = ModuliHead(4, hidden=4, members=1)
    for z in (np.zeros((2, 5)), np.zeros(4), np.full((2, 4), np.nan)):
        with pytest.raises((SettingError, TensorInputError)):
            head.moduli(z)
    z, good = np.zeros((10, 4)), np.ones((10, 2))
    with pytest.raises(SettingError, match="positive moduli"):
        fit_moduli_head(z, -good, np.arange(8), np.arange(8, 10), progress=False)
    with pytest.raises(SettingError, match="positive moduli"):
        fit_moduli_head(z, good[:, :1], np.arange(8), np.arange(8, 10), progress=False)
    with pytest.raises(SettingError, match="at least 2 training"):
        fit_moduli_head(z, good, np.arange(1), np.arange(8, 10), progress=False)
    with pytest.raises(SettingError, match="epochs"):
        fit_moduli_head(z, good, np.arange(8), np.arange(8, 10), epochs=0, progress=False)


def test_weights_are_chosen_by_the_moduli_they_move():
    C = np.stack([voigt_to_full(np.diag([200, 210, 190, 80, 70, 75.0]) * s, "elastic") for s in (1.0, 0.5, 2.0)])
    x = to_irreps(C, "elastic")
    K, G = vrh_moduli(full_to_voigt(C, "elastic"))
    truth = from_irreps(blend_moduli(x, K + 8, G - 4, (1.0, 1.0)), "elastic")
    assert fit_moduli_weights(x, K + 8, G - 4, truth) == (1.0, 1.0)   # a head that knows the answer
    assert fit_moduli_weights(x, K - 8, G + 4, truth) == (0.0, 0.0)   # one that points the wrong way


def test_a_model_file_with_a_broken_moduli_head_is_refused_by_name(tmp_path):
    from tensor_nb.cards import ASSETS
    from tensor_nb.checkpoint import load_model
    from tensor_nb.errors import ModelFileError
    ck = torch.load(ASSETS / "elastic.pt", weights_only=True)
    for broken in ({**ck["moduli_prior"], "hidden": 8}, {**ck["moduli_prior"], "weights": [0.5, 2.0]}, [1, 2]):
        torch.save({**ck, "moduli_prior": broken}, tmp_path / "m.pt")
        with pytest.raises(ModelFileError, match="moduli head is unusable"):
            load_model(tmp_path / "m.pt")
