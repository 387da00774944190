"""predict() names mechanically unstable elastic predictions instead of returning them silently."""
import importlib

import numpy as np
import pytest

from tensor_nb.cli import example_structures

predict_module = importlib.import_module("tensor_nb.predict")  # the module, not the function tensor_nb exports


def test_unstable_elastic_prediction_is_named(monkeypatch):
    monkeypatch.setattr(predict_module, "is_stable", lambda C: np.zeros(np.shape(C)[:-2], bool))
    with pytest.warns(UserWarning, match=r"1 of 1 predicted elastic tensors are not positive definite \(Born-unstable\): Si"):
        predict_module.predict(example_structures()["Si"], "elastic")
