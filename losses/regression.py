"""Regression family: squared, absolute, Huber / smooth L1, log-cosh, Poisson
and Gaussian negative log-likelihoods.

Every loss here is element-wise: ``reduction="none"`` returns ``y_pred``'s
shape, as torch's losses and optax's do. Keras' ``mean_squared_error``,
``mean_absolute_error``, ``huber``, ``log_cosh`` and ``poisson`` average the
last axis first; their ``Loss`` classes then average the batch, which for
equal-length rows is our ``"mean"`` / ``"sum_over_batch_size"``.

``y_true`` and ``y_pred`` must have the same shape: torch broadcasts a
mismatch with a warning (usually a bug, e.g. ``[N]`` against ``[N, 1]`` gives
an ``[N, N]`` loss); we raise ``ValueError`` naming both shapes.

Each spec returns the per-element loss and, on request, its closed-form
gradient with respect to ``y_pred`` (see ``losses/_core.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backends import table_for

from . import _checks, _core
from ._core import AxisName, run
from ._declare import ARRAY, loss
from ._makers import make_gaussian, make_poisson_nll, make_rates, make_real
from ._xent import poison

Array = Any
NAN = float("nan")
INF = float("inf")
LOG2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

# --- shared pieces -----------------------------------------------------------


def _host(x: Any) -> Any:
    """Python numbers and lists as NumPy (float64) arrays: torch and TensorFlow
    would make float32 tensors of them, rounding before the cast to ``y_pred``'s
    dtype."""
    return np.asarray(x) if isinstance(x, (int, float, list, tuple)) else x


def _target(xp: Any, y_true: Any, y_pred: Array, pred_name: str = "y_pred") -> Array:
    """``y_true`` as an array of ``y_pred``'s dtype; shapes must be equal."""
    y = xp.asarray(_host(y_true), like=y_pred)
    if xp.kind(y) not in "fib":
        _checks.fail(f"`y_true` must be a real array; got dtype {xp.dtype_name(y)}")
    _checks.same_shape("y_true", xp.shape(y), pred_name, xp.shape(y_pred))
    return xp.cast(y, xp.dtype_of(y_pred))


# --- squared and absolute errors ----------------------------------------------


@loss("regression",
      formula="(y_pred - y)^2",
      make=make_real,
      cases=({}, {"sample_weight": ARRAY}, {"reduction": "none"}),
      natives={"torch": "F.mse_loss", "keras": "keras.losses.mean_squared_error", "optax": "optax.squared_error"})
def mean_squared_error(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Squared error, element-wise.

    .. math:: \ell = (\hat y - y)^2, \qquad \partial\ell/\partial\hat y = 2(\hat y - y)

    Args:
      y_true: targets, same shape as ``y_pred`` (integers are cast).
      y_pred: predictions (floating point).
      reduction: ``"mean"`` (weighted by ``sample_weight``), ``"sum"``,
        ``"none"`` (``y_pred``'s shape) or ``"sum_over_batch_size"``.
      sample_weight: weights broadcast against the per-element loss (leading
        dimensions aligned: shape ``[N]`` weighs samples).

    Native equivalents: ``torch.nn.functional.mse_loss``,
    ``keras.losses.mean_squared_error`` (averages the last axis:
    ``reduction="none"`` here keeps it), ``optax.squared_error``.

    >>> import numpy as np
    >>> float(mean_squared_error(np.array([0., 1.]), np.array([1., 3.])))
    2.5
    """
    d = y_pred - _target(xp, y_true, y_pred)
    return d * d, None, (2.0 * d if grad else None), None


@loss("regression",
      formula="|y_pred - y|",
      make=make_real,
      cases=({}, {"reduction": "sum", "sample_weight": ARRAY}),
      natives={"torch": "F.l1_loss", "keras": "keras.losses.mean_absolute_error"})
def mean_absolute_error(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Absolute error, element-wise.

    .. math:: \ell = |\hat y - y|, \qquad \partial\ell/\partial\hat y = \mathrm{sign}(\hat y - y)

    (0 at a tie, as every framework's ``abs`` gradient.)

    Args: as :func:`mean_squared_error`.

    Native equivalents: ``torch.nn.functional.l1_loss``,
    ``keras.losses.mean_absolute_error`` (averages the last axis).

    >>> import numpy as np
    >>> float(mean_absolute_error(np.array([0., 1.]), np.array([1., 3.])))
    1.5
    """
    d = y_pred - _target(xp, y_true, y_pred)
    return xp.abs(d), None, (xp.sign(d) if grad else None), None


@loss("regression",
      formula="(y_pred - y)^2 / 2",
      make=make_real,
      cases=({}, {"reduction": "none"}),
      natives={"optax": "optax.l2_loss", "torch": "0.5 * F.mse_loss"})
def half_squared_error(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Half the squared error: the seed's "average cross-entropy".

    .. math:: \ell = \tfrac12 (\hat y - y)^2, \qquad \partial\ell/\partial\hat y = \hat y - y

    It is the Gaussian negative log-likelihood at unit variance with the
    constant dropped: :func:`gaussian_nll` with ``var=1, full=False`` is
    ``0.5 * (log 1 + (y - mean)^2 / 1)``, this very loss; with a variance,
    :func:`gaussian_nll` is the general form. Half of
    :func:`mean_squared_error`.

    Args: as :func:`mean_squared_error`.

    Native equivalents: ``optax.l2_loss``; ``0.5 * torch.nn.functional.mse_loss``.

    >>> import numpy as np
    >>> float(half_squared_error(np.array([0., 1.]), np.array([1., 3.])))
    1.25
    """
    d = y_pred - _target(xp, y_true, y_pred)
    return 0.5 * (d * d), None, (d if grad else None), None


# --- Huber, smooth L1 -------------------------------------------------------------


@loss("regression",
      formula="x^2/2 if |x| <= d else d|x| - d^2/2",
      make=make_real,
      cases=({}, {"delta": 0.5, "reduction": "none"}, {"delta": 2.0, "sample_weight": ARRAY}, {"delta": 0.3, "reduction": "sum"}),
      natives={"torch": "F.huber_loss", "keras": "keras.losses.huber", "optax": "optax.huber_loss"},
      checks={"delta": _checks.POSITIVE},
      traced=("delta",))
def huber(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, delta: float = 1.0) -> tuple:
    r"""Huber loss, element-wise.

    .. math:: \ell = \begin{cases} \tfrac12 x^2 & |x| \le \delta \\
              \delta |x| - \tfrac12 \delta^2 & |x| > \delta \end{cases},
              \qquad x = \hat y - y,\quad \partial\ell/\partial\hat y = \mathrm{clip}(x, -\delta, \delta)

    ``huber(delta=b) == b * smooth_l1(beta=b)``.

    Args:
      delta: the threshold, a finite number > 0 (``ValueError`` otherwise), or
        an array of them broadcast against ``y_pred`` -- also a traced value
        under ``jit``/``tf.function``, where an out-of-range ``delta`` makes
        its elements NaN (optax takes any ``delta``).
      y_true, y_pred, reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalents (same formula): ``torch.nn.functional.huber_loss``,
    ``keras.losses.huber`` (averages the last axis),
    ``optax.huber_loss(predictions, targets, delta)``.

    >>> import numpy as np
    >>> huber(np.array([0., 0.]), np.array([0.5, 3.0]), reduction="none").tolist()
    [0.125, 2.5]
    """
    d = y_pred - _target(xp, y_true, y_pred)
    a = xp.abs(d)
    q = xp.minimum(a, delta)  # optax's form: no branch, no overflow at huge |x|
    loss = 0.5 * (q * q) + delta * (a - q)
    g = xp.minimum(xp.maximum(d, -delta), delta) if grad else None
    return loss, None, g, None


@loss("regression",
      formula="x^2/(2b) if |x| < b else |x| - b/2",
      make=make_real,
      cases=({}, {"beta": 0.5, "reduction": "none"}, {"beta": 0.0}, {"beta": 2.0, "sample_weight": ARRAY}),
      natives={"torch": "F.smooth_l1_loss"},
      checks={"beta": _checks.in_range(0.0, INF, hi_open=True)})
def smooth_l1(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, beta: float = 1.0) -> tuple:
    r"""Smooth L1 loss, element-wise (torch's ``SmoothL1Loss``).

    .. math:: \ell = \begin{cases} \tfrac{1}{2\beta} x^2 & |x| < \beta \\
              |x| - \tfrac12 \beta & |x| \ge \beta \end{cases},
              \qquad x = \hat y - y,\quad \partial\ell/\partial\hat y = \mathrm{clip}(x/\beta, -1, 1)

    ``beta=0`` is the L1 loss :func:`mean_absolute_error`, as in torch;
    ``beta * smooth_l1(beta=beta) == huber(delta=beta)``.

    Args:
      beta: the threshold, a finite number >= 0 (``ValueError`` otherwise).
      y_true, y_pred, reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.smooth_l1_loss`` (Keras and optax
    have none; ``keras.losses.huber`` / ``optax.huber_loss`` at ``delta=beta``
    are ``beta`` times it).

    >>> import numpy as np
    >>> smooth_l1(np.array([0., 0.]), np.array([0.5, 3.0]), beta=2.0, reduction="none").tolist()
    [0.0625, 2.0]
    """
    d = y_pred - _target(xp, y_true, y_pred)
    a = xp.abs(d)
    if beta == 0.0:  # torch: plain L1
        return a, None, (xp.sign(d) if grad else None), None
    q = xp.minimum(a, beta)
    loss = (0.5 / beta) * (q * q) + (a - q)
    g = xp.clip(d / beta, -1.0, 1.0) if grad else None
    return loss, None, g, None


# --- relative errors -------------------------------------------------------------


@loss("regression", formula="100 |y_pred - y| / max(|y|, eps)", make=make_real,
      cases=({}, {"epsilon": 0.5, "reduction": "none"}, {"sample_weight": ARRAY, "reduction": "sum"}),
      natives={"keras": "keras.losses.mean_absolute_percentage_error"},
      checks={"epsilon": _checks.POSITIVE})
def mean_absolute_percentage_error(xp: Any, y_true: Any, y_pred: Array, grad: bool, *,
                                   epsilon: float = 1e-7) -> tuple:
    r"""Absolute percentage error, element-wise.

    .. math:: \ell = 100\,\frac{|\hat y - y|}{\max(|y|, \epsilon)}, \qquad
              \partial\ell/\partial\hat y = \frac{100\,\mathrm{sign}(\hat y - y)}{\max(|y|, \epsilon)}

    Args:
      y_true: targets, same shape as ``y_pred`` (integers are cast).
      y_pred: predictions (floating point).
      epsilon: the floor of the denominator, a finite number > 0 (Keras:
        ``backend.epsilon()`` = 1e-7).
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``keras.losses.mean_absolute_percentage_error``
    (averages the last axis; ``keras.losses.MeanAbsolutePercentageError``).

    >>> import numpy as np
    >>> mean_absolute_percentage_error(np.array([2., -4.]), np.array([1., -3.]), reduction="none").tolist()
    [50.0, 25.0]
    """
    y = _target(xp, y_true, y_pred)
    scale = 100.0 / xp.maximum(xp.abs(y), epsilon)
    d = y_pred - y
    return xp.abs(d) * scale, None, (xp.sign(d) * scale if grad else None), None


@loss("regression", formula="(log(1 + max(y_pred, eps)) - log(1 + max(y, eps)))^2", make=make_rates,
      cases=({}, {"reduction": "none"}, {"epsilon": 0.5, "sample_weight": ARRAY}),
      natives={"keras": "keras.losses.mean_squared_logarithmic_error"},
      checks={"epsilon": _checks.POSITIVE})
def mean_squared_logarithmic_error(xp: Any, y_true: Any, y_pred: Array, grad: bool, *,
                                   epsilon: float = 1e-7) -> tuple:
    r"""Squared logarithmic error, element-wise.

    .. math:: \ell = \big(\log(1 + \max(\hat y, \epsilon)) - \log(1 + \max(y, \epsilon))\big)^2,
              \qquad \partial\ell/\partial\hat y = \frac{2\,(\ldots)}{1 + \hat y}\,[\hat y > \epsilon]

    Values below ``epsilon`` count as ``epsilon`` (Keras' rule), so the loss
    is flat (zero gradient) there. ``log1p`` keeps full precision for small
    values, where Keras' ``log(x + 1)`` rounds.

    Args:
      y_true: targets, same shape as ``y_pred`` (integers are cast).
      y_pred: predictions (floating point).
      epsilon: the floor of both arguments, a finite number > 0 (Keras:
        ``backend.epsilon()`` = 1e-7).
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``keras.losses.mean_squared_logarithmic_error``
    (averages the last axis; ``keras.losses.MeanSquaredLogarithmicError``).

    >>> import numpy as np
    >>> v = mean_squared_logarithmic_error(np.array([np.e - 1.0]), np.array([0.0]), reduction="none")
    >>> [round(float(x), 8) for x in v]  # (log(1 + 1e-7) - 1)^2
    [0.9999998]
    """
    y = _target(xp, y_true, y_pred)
    p = xp.maximum(y_pred, epsilon)
    d = xp.log1p(p) - xp.log1p(xp.maximum(y, epsilon))
    g = xp.where(y_pred > epsilon, 2.0 * d / (1.0 + p), xp.zeros_like(d)) if grad else None
    return d * d, None, g, None


# --- log-cosh -----------------------------------------------------------------------


@loss("regression",
      formula="log cosh(y_pred - y)",
      make=make_real,
      cases=({}, {"scale": 0.3}, {"scale": 20.0, "reduction": "none"}, {"sample_weight": ARRAY}),
      natives={"keras": "keras.losses.log_cosh", "optax": "optax.log_cosh"})
def log_cosh(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Logarithm of the hyperbolic cosine of the error, element-wise.

    .. math:: \ell = \log\cosh x = |x| + \mathrm{softplus}(-2|x|) - \log 2,
              \qquad x = \hat y - y,\quad \partial\ell/\partial\hat y = \tanh x

    Computed stably everywhere: finite for every finite ``x`` (``|x| - log 2``
    at large ``|x|``), and accurate to the last digits at small ``|x|``
    (``log1p(expm1(|x|)^2 e^{-|x|} / 2)`` for ``|x| < 1``, about ``x^2/2``).
    Better than the natives, which agree with it elsewhere: Keras'
    ``x + softplus(-2x) - log 2`` and optax's ``logaddexp(x, -x) - log 2``
    cancel to the absolute precision of ``log 2`` at small ``|x|`` (float32:
    no correct digit below ``|x|`` of about 1e-4); Keras' overflows to
    ``inf`` for ``x < -1.7e38`` in float32, and in float64 subtracts ``log 2``
    rounded to float32 (every value 1.9e-9 too small).

    Args: as :func:`mean_squared_error`.

    Native equivalents: ``keras.losses.log_cosh`` (averages the last axis),
    ``optax.log_cosh(predictions, targets)``.

    >>> import numpy as np
    >>> v = log_cosh(np.array([0., 0.]), np.array([1e-4, 1e4]), reduction="none")
    >>> [float(f"{x:.12g}") for x in v]  # x^2/2 - x^4/12, |x| - log 2
    [4.99999999167e-09, 9999.30685282]
    """
    d = y_pred - _target(xp, y_true, y_pred)
    a = xp.abs(d)
    # |x| >= 1: |x| + softplus(-2|x|) - log 2 never overflows;
    # |x| < 1: log1p(cosh x - 1), cosh x - 1 = expm1(|x|)^2 exp(-|x|) / 2, keeps
    # the digits that ``... - log 2`` cancels away at small |x|.
    # (softplus(-2|x|) < 1e-43 past |x| = 50: the clamp only avoids an overflow)
    large = a + xp.softplus(-2.0 * xp.minimum(a, 50.0)) - LOG2
    s = xp.minimum(a, 1.0)  # finite in the branch not taken (gradients too)
    e = xp.expm1(s)
    small = xp.log1p(0.5 * (e * e) * xp.exp(-s))
    loss = xp.where(a < 1.0, small, large)
    return loss, None, (xp.tanh(d) if grad else None), None


# --- Poisson ----------------------------------------------------------------------


@loss("regression",
      formula="y_pred - y log(y_pred + eps)",
      make=make_rates,
      cases=({}, {"epsilon": 1e-3, "reduction": "none"}, {"sample_weight": ARRAY}),
      natives={"keras": "keras.losses.poisson"},
      checks={"epsilon": _checks.POSITIVE})
def poisson(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, epsilon: float = 1e-7) -> tuple:
    r"""Poisson negative log-likelihood of a rate, Keras' form, element-wise.

    .. math:: \ell = \hat y - y \log(\hat y + \epsilon),
              \qquad \partial\ell/\partial\hat y = 1 - y / (\hat y + \epsilon)

    The same as :func:`poisson_nll` with ``log_input=False, eps=epsilon``.

    Args:
      y_true: observed counts (non-negative), same shape as ``y_pred``.
      y_pred: predicted rates (non-negative).
      epsilon: a finite number > 0 (Keras: ``backend.epsilon()`` = 1e-7).
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``keras.losses.poisson`` (averages the last axis).

    >>> import numpy as np
    >>> round(float(poisson(np.array([2.0]), np.array([1.0]))), 6)
    1.0
    """
    y = _target(xp, y_true, y_pred)
    r = y_pred + epsilon
    loss = y_pred - y * xp.log(r)
    return loss, None, (1.0 - y / r if grad else None), None


@loss("regression",
      formula="exp(z) - y z  |  y_pred - y log(y_pred + eps); + Stirling where y > 1",
      make=make_poisson_nll,
      cases=({}, {"log_input": False}, {"full": True, "reduction": "none"}, {"log_input": False, "full": True, "eps": 1e-3, "sample_weight": ARRAY}),
      natives={"torch": "F.poisson_nll_loss"},
      checks={"log_input": _checks.flag, "full": _checks.flag, "eps": _checks.POSITIVE})
def poisson_nll(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, log_input: bool = True, full: bool = False, eps: float = 1e-8) -> tuple:
    r"""Poisson negative log-likelihood, torch's ``PoissonNLLLoss``, element-wise.

    .. math:: \ell = \begin{cases} e^{z} - y z & \text{log\_input (} z = \hat y
              \text{ a log-rate)} \\ \hat y - y \log(\hat y + \epsilon) & \text{otherwise}
              \end{cases} \;+\; [\text{full}]\,[y > 1]\,\big(y\log y - y + \tfrac12\log(2\pi y)\big)

    with gradient ``e^z - y`` (``log_input``) or ``1 - y / (\hat y + eps)``;
    the Stirling term (added only where the target exceeds 1, exactly as
    torch does) does not depend on ``y_pred``.

    Args:
      y_true: observed counts, same shape as ``y_pred``.
      y_pred: log-rates (``log_input=True``) or rates.
      log_input: whether ``y_pred`` holds log-rates.
      full: add the Stirling approximation of ``log(y!)``.
      eps: a finite number > 0 added to the rate inside the log when
        ``log_input=False`` (torch does not check it; we do).
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.poisson_nll_loss`` (and
    ``keras.losses.poisson`` for ``log_input=False`` with ``eps=1e-7``).

    >>> import numpy as np
    >>> round(float(poisson_nll(np.array([2.0]), np.array([0.0]))), 6)
    1.0
    """
    y = _target(xp, y_true, y_pred)
    g = None
    if log_input:
        rate = xp.exp(y_pred)
        loss = rate - y * y_pred
        if grad:
            g = rate - y
    else:
        r = y_pred + eps
        loss = y_pred - y * xp.log(r)
        if grad:
            g = 1.0 - y / r
    if full:  # Stirling's log(y!) ~ y log y - y + log(2 pi y)/2, where y > 1 only (torch)
        over = y > 1.0
        ys = xp.where(over, y, xp.ones_like(y))
        stirling = ys * xp.log(ys) - ys + 0.5 * xp.log((2.0 * math.pi) * ys)
        loss = loss + xp.where(over, stirling, xp.zeros_like(y))
    return loss, None, g, None


# --- Gaussian -------------------------------------------------------------------


def _var_shape(xp: Any, var: Array, mean: Array) -> Array:
    """``var`` shaped to broadcast against ``mean`` by torch's rules (a 0-d
    ``var`` is accepted as a scalar)."""
    vs, ms = xp.shape(var), xp.shape(mean)

    def same(a: tuple, b: tuple) -> bool:
        return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))

    if same(vs, ms) or len(vs) == 0:
        return var
    if len(ms) >= 1 and same(vs, ms[:-1]):
        return xp.expand_dims(var, -1)
    if len(vs) == len(ms):
        diff = [i for i, (v, m) in enumerate(zip(vs, ms)) if not (v is None or m is None or v == m)]
        if len(diff) == 1 and vs[diff[0]] == 1:
            return var
    fmt = _checks.fmt_shape
    _checks.fail(
        f"`var` has shape {fmt(vs)}, which does not fit `mean` of shape {fmt(ms)}: expected "
        f"mean's shape (one variance per element); mean's shape without its last dimension, "
        f"or with exactly one dimension of size 1 (a variance shared along it); or a scalar"
    )


def _check_var(xp: Any, var: Array) -> bool:
    """Negative variances raise ``ValueError`` where the data can be read.
    Returns whether it could not be read (traced), so the caller poisons them."""
    neg = var < 0.0
    if not xp.is_concrete(neg):
        return True
    if xp.any_true(neg):
        v = np.asarray(xp.to_numpy(var))
        b = np.asarray(xp.to_numpy(neg))
        where = tuple(int(i) for i in np.argwhere(b)[0]) if b.ndim else ()
        n = int(b.sum())
        _checks.fail(f"`var` must be non-negative (variances); got {n} negative "
                     f"entr{'y' if n == 1 else 'ies'}, the first {float(v[where])!r} at index {where}")
    return False


def _clamped(xp: Any, var: Array, eps: float) -> Array:
    """``max(var, eps)`` in value with derivative 1 everywhere: torch clamps
    ``var`` in place under ``no_grad``, so its gradient passes the clamp as if
    it were not there. ``var - stop_gradient(var)`` is exactly 0."""
    return xp.where(var < eps, (var - xp.stop_gradient(var)) + eps, var)


def _gaussian_terms(xp: Any, y_true: Any, mean: Array, var: Any, full: bool, eps: float) -> tuple:
    full = _checks.flag("full", full)
    eps = _checks.POSITIVE("eps", eps)
    y = _target(xp, y_true, mean, "mean")
    if var is None:
        _checks.fail("`var` is required (an array of variances or a number)")
    v = _var_shape(xp, var, mean)
    traced = _check_var(xp, var)
    vc = _clamped(xp, v, eps)
    d = mean - y
    loss = 0.5 * (xp.log(vc) + d * d / vc)
    if full:
        loss = loss + HALF_LOG_2PI
    if traced:  # no error can be raised: a negative variance poisons its elements
        loss = poison(xp, loss, v < 0.0)
    return loss, d, vc


@loss("regression",
      formula="(log max(v, eps) + (y - mu)^2 / max(v, eps)) / 2 [+ log(2 pi)/2]",
      make=make_gaussian,
      cases=({"var": ARRAY}, {"var": ARRAY, "var_shape": "drop_last"}, {"var": ARRAY, "var_shape": "last_one", "full": True}, {"var": ARRAY, "var_shape": "first_one", "reduction": "none"}, {"var": ARRAY, "eps": 0.5, "sample_weight": ARRAY}, {"var": 1.0, "reduction": "sum"}, {"var": 0.7, "full": True}),
      natives={"torch": "F.gaussian_nll_loss"},
      checks={"var": lambda name, var: _host(var)},
      arrays=("var",),
      inputs=("y_true", "mean", "var"))
def gaussian_nll(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, var: Any, full: bool = False, eps: float = 1e-6) -> tuple:
    r"""Gaussian negative log-likelihood, torch's ``GaussianNLLLoss``, element-wise.

    .. math:: \ell = \tfrac12\left(\log v' + \frac{(y - \mu)^2}{v'}\right)
              + [\text{full}]\,\tfrac12\log 2\pi, \qquad v' = \max(v, \epsilon),
              \qquad \partial\ell/\partial\mu = (\mu - y) / v'

    At ``var=1, full=False`` it is :func:`half_squared_error`.

    Gradients: :func:`losses.value_and_grad` gives the gradient with respect
    to ``mean`` (the predicted argument, as for every loss). The gradient
    with respect to ``var`` is
    ``\tfrac12 (1/v' - (y - \mu)^2 / v'^2)`` -- also where ``var < eps``: like
    torch, which clamps under ``no_grad``, the clamp passes the gradient
    through unchanged. torch, TensorFlow and JAX differentiate ``var`` through
    this function with their own autodiff; :func:`gaussian_nll_grads` returns
    both gradients on every backend (NumPy by the closed forms).

    Args:
      y_true: observations, same shape as ``mean``.
      mean: predicted means (the ``y_pred`` of this loss).
      var: predicted variances, non-negative: an array of ``mean``'s shape;
        ``mean``'s shape without its last dimension, or with exactly one
        dimension of size 1 (one variance shared along it); or a scalar
        (a number or a 0-d array; torch takes only a Python number). Any
        other shape raises ``ValueError``. A negative entry raises
        ``ValueError`` in eager mode (as torch does); under ``jit`` /
        ``tf.function`` it makes the loss of its elements NaN.
      full: add the constant ``\tfrac12 \log 2\pi``.
      eps: a finite number > 0, the variance floor.
      reduction, sample_weight: as :func:`mean_squared_error`; the loss has
        ``mean``'s shape.

    Native equivalent: ``torch.nn.functional.gaussian_nll_loss(mean, y_true,
    var, full, eps)`` (Keras and optax have none).

    >>> import numpy as np
    >>> v = gaussian_nll(np.array([1.0]), np.array([3.0]), np.array([2.0]))
    >>> round(float(v - 0.5 * np.log(2.0)), 12)  # (log 2 + 2^2 / 2) / 2
    1.0
    """
    loss, d, vc = _gaussian_terms(xp, y_true, y_pred, var, full, eps)
    return loss, None, (d / vc if grad else None), None


def gaussian_nll_grads(y_true: Any, mean: Any, var: Any, *, full: bool = False, eps: float = 1e-6,
                       reduction: str = "mean", sample_weight: Any = None,
                       axis_name: AxisName = None) -> tuple[Array, Array, Array]:
    r""":func:`gaussian_nll` and its gradients with respect to ``mean`` and ``var``.

    Returns ``(loss, d loss / d mean, d loss / d var)``; ``d/d var`` has
    ``var``'s shape (summed over the elements a shared variance serves) and
    passes the ``eps`` clamp unchanged, as torch's does:
    ``\tfrac12 (1/v' - (y - \mu)^2 / v'^2)``, ``v' = \max(v, \epsilon)``.
    With ``reduction="none"`` these are the gradients of the sum of the
    per-element losses. NumPy uses the closed forms; torch, TensorFlow and
    JAX their autodiff through :func:`gaussian_nll`. A Python-number ``var``
    gets a 0-d gradient in ``mean``'s dtype.

    >>> import numpy as np
    >>> v, dm, dv = gaussian_nll_grads(np.array([1.0]), np.array([3.0]), np.array([2.0]))
    >>> dm.tolist(), dv.tolist()  # (3 - 1) / 2, (1/2 - 2^2 / 2^2) / 2
    ([1.0], [-0.25])
    """
    opts = {"full": full, "eps": eps, "reduction": reduction, "sample_weight": sample_weight,
            "axis_name": axis_name}
    xp = table_for(y_true, mean, sample_weight, var,
                   names=("y_true", "mean", "sample_weight", "var"))
    m = xp.asarray(mean)
    number = isinstance(var, (int, float))
    var = xp.asarray(_host(var), like=m)  # the argument to differentiate: a framework array
    if number or xp.kind(var) != "f":
        var = xp.cast(var, xp.dtype_of(m))
    if xp.value_and_grad is not None:
        value, g_mean = _core.value_and_grad(gaussian_nll, y_true, mean, var=var, **opts)
        _, g_var = xp.value_and_grad(lambda s: gaussian_nll(y_true, mean, s, **opts), var)
        return value, g_mean, g_var
    value, g_mean = run(gaussian_nll.spec, y_true, mean, reduction, sample_weight,
                        {"var": var, "full": full, "eps": eps}, grad=True, axis_name=axis_name)
    # NumPy: the closed form of d/d var, scaled by the reduction as run() scales d/d mean
    work = xp.float32 if xp.is_half(m) else xp.dtype_of(m)
    m = xp.cast(m, work)
    loss, d, vc = _gaussian_terms(xp, y_true, m, xp.cast(var, work), full, eps)
    sw = None if sample_weight is None else _core._weights(xp, sample_weight, loss, m)
    g = 0.5 * (1.0 / vc - d * d / (vc * vc)) * _core._grad_factor(xp, loss, None, sw, reduction)
    return value, g_mean, xp.cast(_sum_to(xp, g, xp.shape(var)), xp.dtype_of(var))


def _sum_to(xp: Any, g: Array, shape: tuple) -> Array:
    """Sum ``g`` down to ``shape`` (``var``'s shape under the rules of :func:`_var_shape`)."""
    gs = xp.shape(g)
    if len(shape) == 0:
        return xp.sum(g)
    if len(shape) == len(gs) - 1:  # var was mean's shape less the last dim
        return xp.sum(g, -1)
    for i, (a, b) in enumerate(zip(shape, gs)):
        if a == 1 and b != 1:
            g = xp.sum(g, i, keepdims=True)
    return g


# --- fused forms, for the adapters ----------------------------------------------------


def _fused(kind: str) -> Any:
    """The fused form of an element-wise regression loss (``losses.<spec>.fused``):
    ``fused(y_true, y_pred, reduction, param=None)`` by the backend's fused
    kernel (torch's ``mse_loss``, ``l1_loss``, ``huber_loss``,
    ``smooth_l1_loss``), or ``None`` where it does not apply; the caller
    checked ``param`` (``delta > 0``, ``beta >= 0``). No saturation: these
    specs do not saturate."""

    def fused(y_true: Any, y_pred: Any, reduction: str, param: Any = None) -> Any:
        xp = table_for(y_pred)
        if xp.fused_elementwise is None:
            return None
        return xp.fused_elementwise(kind, y_pred, y_true, reduction, param)

    fused.__name__ = fused.__qualname__ = f"fused_{kind}"
    return fused


mean_squared_error.fused = _fused("mse")
mean_absolute_error.fused = _fused("l1")
huber.fused = _fused("huber")
smooth_l1.fused = _fused("smooth_l1")
