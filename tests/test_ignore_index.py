"""Every label ignored: the "mean" is 0/0 = NaN and the gradient is 0 -- as
torch's ``F.cross_entropy``/``F.nll_loss`` give it -- on every backend,
NumPy's closed form included (a batch of padding must not write NaN into a
model's parameters)."""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS, convert

import losses

CASES = [
    (losses.sparse_categorical_crossentropy, {"from_logits": True}),
    (losses.sparse_categorical_crossentropy, {"from_logits": True, "label_smoothing": 0.1,
                                              "class_weight": np.array([1.0, 2.0, 0.5])}),
    (losses.sparse_categorical_crossentropy, {"from_logits": False}),
    (losses.nll_loss, {"class_weight": np.array([1.0, 2.0, 0.5])}),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on 0/0
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("fn,opts", CASES, ids=lambda c: getattr(c, "__name__", "") or str(sorted(c)))
def test_all_ignored_mean_is_nan_with_zero_gradient(fn, opts, fw):
    y = np.array([-100, -100])
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    args = {k: convert(fw, v, "float64") for k, v in opts.items()}
    v, g = losses.value_and_grad(fn, fw.to(y, None), fw.to(p, "float64"), ignore_index=-100, **args)
    assert np.isnan(fw.back(v))
    np.testing.assert_array_equal(fw.back(g), np.zeros_like(p))


def test_torch_native_agrees():
    torch = pytest.importorskip("torch")
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    v = torch.nn.functional.cross_entropy(x, torch.tensor([-100, -100]))
    (g,) = torch.autograd.grad(v, x)
    assert torch.isnan(v) and torch.equal(g, torch.zeros_like(g))
