"""Sequence losses: connectionist temporal classification (CTC).

The forward recursion is written once over the primitive table ``xp`` and
runs over time through ``xp.scan`` (a compiled ``lax.scan`` in JAX, a
``tf.scan`` that compiles under ``tf.function``, a Python loop over ``T`` in
torch and NumPy), vectorised over the batch and the label positions. NumPy's
gradient is the closed-form forward--backward (a ``beta`` recursion over the
same transition graph), so it equals the autodiff of the forward recursion
exactly, ``log_epsilon`` terms included.

The recursion is optax's form of the CTC lattice (``optax.ctc_loss``): for
each label position ``n`` a *blank* state ``phi[n]`` (``n`` labels emitted,
now in a blank) and an *emit* state ``emit[n]`` (label ``n`` being emitted).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backends import table_for

from . import _checks
from ._declare import ARRAY, loss

Array = Any

__all__: list[str] = ["ctc_forward_probs"]

#: the stand-in for ``log 0`` of the exact form (``log_epsilon=None``): no
#: ``-inf`` enters the recursion, so autodiff never meets ``-inf - -inf``
#: (a NaN gradient); ``exp(LOG_ZERO - x)`` is exactly 0 for every finite
#: log-probability above -1e29
LOG_ZERO = -1e30


def make_ctc(rng: np.random.Generator, options: dict) -> tuple:
    """Labels ``[N, S]`` (right-padded with ``blank``, some with repeats),
    logits ``[N, T, C]``, and lengths (``input_lengths``/``label_lengths``)
    or paddings (``input_paddings``/``label_paddings``) for ``ARRAY`` options;
    every alignment feasible."""
    opts = dict(options)
    blank = opts.get("blank", 0)
    n, t, s, c = 3, 7, 3, 4
    in_len = np.array([t, t - 1, t - 2])
    lab_len = np.array([s, s - 1, 0])
    labels = np.full((n, s), blank, dtype=np.int64)
    others = [k for k in range(c) if k != blank]
    for i in range(n):
        labels[i, :lab_len[i]] = rng.choice(others, size=lab_len[i])
    labels[0, 1] = labels[0, 0]  # a repeat: needs a blank between the two
    for k, v in (("input_lengths", in_len), ("label_lengths", lab_len)):
        if opts.get(k) is ARRAY:
            opts[k] = v
    if opts.get("input_paddings") is ARRAY:
        opts["input_paddings"] = (np.arange(t)[None, :] >= in_len[:, None]).astype(np.float64)
    if opts.get("label_paddings") is ARRAY:
        opts["label_paddings"] = (np.arange(s)[None, :] >= lab_len[:, None]).astype(np.float64)
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=n)
    return labels, rng.normal(0.0, 1.5, size=(n, t, c)), opts


def _int_labels(xp: Any, y_true: Any, like: Array) -> Array:
    labels = xp.asarray(y_true, like=like)
    if xp.kind(labels) != "i":
        _checks.fail(f"`y_true` (the labels) must be an integer array of shape [N, S]; got dtype "
                     f"{xp.dtype_name(labels)}")
    return labels


def _shapes(xp: Any, labels: Array, y_pred: Array) -> tuple[int, int, int, int]:
    fmt = _checks.fmt_shape
    if len(xp.shape(y_pred)) != 3:
        _checks.fail(f"`y_pred` must be logits of shape [N, T, C]; got shape {fmt(xp.shape(y_pred))}")
    n, t, c = xp.shape(y_pred)
    if len(xp.shape(labels)) != 2 or xp.shape(labels)[0] != n:
        _checks.fail(f"`y_true` must be labels of shape [N, S] with N = {n} (y_pred's batch); "
                     f"got shape {fmt(xp.shape(labels))}")
    return n, t, xp.shape(labels)[1], c


def _lengths(xp: Any, lengths: Any, paddings: Any, n: int, size: int, y_pred: Array, what: str,
             axis: str) -> tuple[Array, Array | None]:
    """``(lengths [N] float, paddings [N, size] bool or None)`` from either form."""
    if lengths is not None and paddings is not None:
        _checks.fail(f"give `{what}_lengths` or `{what}_paddings`, not both")
    if paddings is not None:
        if tuple(xp.shape(paddings)) != (n, size):
            _checks.fail(f"`{what}_paddings` must have shape [N, {axis}] = [{n}, {size}]; got "
                         f"{_checks.fmt_shape(xp.shape(paddings))}")
        pad = paddings > 0.5
        return size - xp.sum(xp.cast(pad, xp.dtype_of(y_pred)), axis=1), pad
    if lengths is None:
        return xp.zeros_like(y_pred[:, 0, 0]) + float(size), None
    if tuple(xp.shape(lengths)) != (n,):
        _checks.fail(f"`{what}_lengths` must have shape [N] = [{n}]; got {_checks.fmt_shape(xp.shape(lengths))}")
    bad = _checks.data(xp, (lengths < 0) | (lengths > size) | (xp.floor(lengths) != lengths), lengths,
                       f"{what}_lengths", "out of range",
                       f"expected whole numbers in [0, {size}] ({axis} = {size} is {'y_pred' if what == 'input' else 'y_true'}'s "
                       f"dimension 1)")
    return (lengths if bad is None else xp.where(bad, xp.zeros_like(lengths) + float("nan"), lengths)), None


def _blank(blank: Any, c: int) -> int:
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < c:
        _checks.fail(f"`blank` must be a class index, an int in [0, {c}) (C = {c} is y_pred's last "
                     f"dimension); got {blank!r}")
    return int(blank)


def _check_labels(xp: Any, labels: Array, valid: Array, c: int) -> Array | None:
    """Labels inside their length must be classes in ``[0, C)``. (A label equal to
    ``blank`` is a state that emits the blank class, as torch's and TensorFlow's
    kernels compute it; Keras' own test feeds one.)"""
    bad = valid & ((labels < 0) | (labels >= c))
    return _checks.data(xp, bad, labels, "y_true", "invalid labels",
                        f"labels within the label lengths must be class indices in [0, {c})")


def _lae(xp: Any, a: Array, b: Array) -> Array:
    """``log(e^a + e^b)`` shifted by a constant ``m = max(a, b)``: every derivative
    (second order too) is a ratio of ``exp`` of non-positive numbers, so inputs
    ``1e30`` apart (``LOG_ZERO``, a large ``log_epsilon``) give no ``inf / inf``
    (torch's ``logaddexp`` double backward overflows there)."""
    m = xp.stop_gradient(xp.maximum(a, b))
    return m + xp.log(xp.exp(a - m) + xp.exp(b - m))


def _add_phi(xp: Any, phi: Array, added: Array) -> Array:
    """``phi`` with ``added`` (one fewer column) log-added to ``phi[:, 1:]``."""
    return xp.concat([phi[:, :1], _lae(xp, phi[:, 1:], added)], 1)


def _lattice(xp: Any, y_pred: Array, labels: Array, blank: int, log_zero: float,
             in_pad: Array, log_probs: bool) -> tuple:
    """Time-major inputs of the recursion: ``(lp_emit [T,N,S], lp_blank [T,N,1],
    pad [T,N,1], r, rr, log-softmax [N,T,C])``; ``r``/``rr``: the weights of the
    emit-to-blank epsilon and blank transitions (0 or ``log_zero``: a repeated
    label must pass through a blank)."""
    lp = y_pred if log_probs else xp.log_softmax(y_pred, -1)
    c = xp.shape(y_pred)[2]
    inside = (labels >= 0) & (labels < c)
    idx = xp.where(inside, labels, xp.zeros_like(labels))
    # a padding label outside [0, C) emits with log-probability 0 (optax's one-hot of it is all zero)
    lpe = xp.where(xp.expand_dims(inside, 1), xp.take_classes(lp, idx), xp.zeros_like(lp[:, :, :1]))
    lpb = lp[:, :, blank:blank + 1]
    rep = labels[:, :-1] == labels[:, 1:]
    rep = xp.concat([rep, xp.zeros_like(labels[:, :1]) > 0], 1)
    zero = xp.zeros_like(lpe[:, 0, :])
    r = xp.where(rep, zero + log_zero, zero)
    rr = xp.where(rep, zero, zero + log_zero)
    return (xp.moveaxis(lpe, 1, 0), xp.moveaxis(lpb, 1, 0), xp.moveaxis(xp.expand_dims(in_pad, 2), 1, 0),
            r, rr, lp)


def _forward(xp: Any, lpe: Array, lpb: Array, pad: Array, r: Array, rr: Array, log_zero: float) -> tuple:
    """``(log alpha_blank [T, N, S+1], log alpha_emit [T, N, S])``: after each step."""
    emit0 = xp.zeros_like(lpe[0]) + log_zero  # [N, S]
    phi0 = xp.concat([xp.zeros_like(lpb[0]), emit0], 1)  # [N, S + 1]: start in phi[0]

    def step(carry: tuple, x: tuple) -> tuple:
        phi, emit = carry
        lp_emit, lp_blank, p = x
        eps = _add_phi(xp, phi, emit + r)  # emit -> blank epsilon move, unless a repeat
        n_emit = _lae(xp, eps[:, :-1], emit) + lp_emit
        n_phi = _add_phi(xp, eps + lp_blank, emit + lp_blank + rr)
        return xp.where(p, phi, n_phi), xp.where(p, emit, n_emit)

    return xp.scan(step, (phi0, emit0), (lpe, lpb, pad))


def _backward(xp: Any, lpe: Array, lpb: Array, pad: Array, r: Array, rr: Array, end: tuple) -> tuple:
    """``log beta`` at the states of each step (``end``: at the last), over the same
    transitions as :func:`_forward`: ``alpha_t + beta_t`` is the log-mass of the
    paths through a state at ``t``."""
    def step(carry: tuple, x: tuple) -> tuple:
        b_phi, b_emit = carry
        lp_emit, lp_blank, p = x
        a = b_emit + lp_emit
        b = b_phi + lp_blank
        b_eps = xp.logaddexp(b, xp.concat([a, xp.zeros_like(a[:, :1]) - float("inf")], 1))
        p_emit = xp.logaddexp(xp.logaddexp(a, b_eps[:, 1:] + r), b[:, 1:] + rr)
        return xp.where(p, b_phi, b_eps), xp.where(p, b_emit, p_emit)

    if xp.shape(lpe)[0] == 1:
        return tuple(xp.expand_dims(e, 0) for e in end)
    b_phi, b_emit = xp.scan(step, end, (lpe[1:], lpb[1:], pad[1:]), reverse=True)
    return (xp.concat([b_phi, xp.expand_dims(end[0], 0)], 0),
            xp.concat([b_emit, xp.expand_dims(end[1], 0)], 0))


def _end_weights(xp: Any, lab_len: Array, like_phi: Array) -> tuple:
    """``log`` of d(final mass)/d(state) at the last step: ``phi[L]`` and ``emit[L-1]``."""
    cols = xp.cast(xp.arange(xp.shape(like_phi)[1], like=like_phi), xp.dtype_of(like_phi))
    hit = xp.expand_dims(cols, 0) == xp.expand_dims(lab_len, 1)
    zero = xp.zeros_like(like_phi)
    b_phi = xp.where(hit, zero, zero - float("inf"))
    return b_phi, b_phi[:, 1:]


def _grad(xp: Any, lat: tuple, alpha: tuple, labels: Array, blank: int, lab_len: Array,
          log_z: Array, log_probs: bool) -> Array:
    """Closed-form d(-log Z)/d logits: softmax times the occupancy of each step,
    less the occupancy of each class (forward--backward). ``log_probs``: torch's
    ``exp(y_pred)`` at each live step, less the occupancy."""
    lpe, lpb, pad, r, rr, lp = lat
    beta = _backward(xp, lpe, lpb, pad, r, rr, _end_weights(xp, lab_len, alpha[0][-1]))
    live = xp.cast(~pad, xp.dtype_of(lp))  # [T, N, 1]: padded steps emit nothing
    z = xp.expand_dims(log_z, 1)
    occ_phi = xp.sum(xp.exp(alpha[0] + beta[0] - z), axis=2, keepdims=True) * live  # [T, N, 1]
    occ_emit = xp.exp(alpha[1] + beta[1] - z) * live  # [T, N, S]
    c = xp.shape(lp)[2]
    inside = (labels >= 0) & (labels < c)
    hot = xp.one_hot(xp.where(inside, labels, xp.zeros_like(labels)), c, -1, xp.dtype_of(lp))
    hot = hot * xp.expand_dims(xp.cast(inside, xp.dtype_of(lp)), 2)  # [N, S, C]
    occ = xp.matmul(xp.moveaxis(occ_emit, 0, 1), hot)  # [N, T, S] @ [N, S, C]: the occupancy of each class
    occ = occ + xp.moveaxis(occ_phi, 0, 1) * xp.one_hot(blank + xp.zeros_like(labels[:, :1]), c, -1,
                                                        xp.dtype_of(lp))
    if log_probs:
        return xp.exp(lp) * xp.moveaxis(live, 0, 1) - occ
    return xp.exp(lp) * xp.sum(occ, axis=2, keepdims=True) - occ


def _setup(xp: Any, y_true: Any, y_pred: Array, input_lengths: Any, label_lengths: Any, input_paddings: Any,
           label_paddings: Any, blank: Any) -> dict:
    """The checked inputs of the recursion (every check runs here, in this
    order): ``labels``, ``blank``, ``in_len``/``lab_len`` ([N]), ``in_pad``
    ([N, T] bool), ``lab_valid`` ([N, S] bool), ``poison`` ([N] bool rows
    that broke a rule under a trace, else ``None``)."""
    labels = _int_labels(xp, y_true, y_pred)
    n, t, s, c = _shapes(xp, labels, y_pred)
    blank = _blank(blank, c)
    in_len, in_pad = _lengths(xp, input_lengths, input_paddings, n, t, y_pred, "input", "T")
    lab_len, _ = _lengths(xp, label_lengths, label_paddings, n, s, y_pred, "label", "S")
    if in_pad is None:
        steps = xp.cast(xp.arange(t, like=y_pred), xp.dtype_of(y_pred))
        in_pad = xp.expand_dims(steps, 0) >= xp.expand_dims(in_len, 1)
    cols = xp.cast(xp.arange(s, like=y_pred), xp.dtype_of(y_pred))
    lab_valid = xp.expand_dims(cols, 0) < xp.expand_dims(lab_len, 1)
    bad = _check_labels(xp, labels, lab_valid, c)
    return {"labels": labels, "blank": blank, "in_len": in_len, "lab_len": lab_len, "in_pad": in_pad,
            "lab_valid": lab_valid, "poison": _poison(xp, bad, in_len, lab_len),
            "lengths_form": input_paddings is None}


def ctc_lattice(xp: Any, y_true: Any, y_pred: Array, *, input_lengths: Any = None, label_lengths: Any = None,
                input_paddings: Any = None, label_paddings: Any = None, blank: int = 0,
                log_epsilon: Any = None, log_probs: bool = False, grad: bool = False,
                setup: dict | None = None) -> dict:
    """The forward recursion and what the losses read from it: ``loss`` ([N],
    ``-log`` of the mass of every alignment), ``alpha_blank``/``alpha_emit``
    (optax's forward probabilities), ``feasible`` ([N] bool), ``label_lengths``
    and, with ``grad``, the closed-form gradient of ``loss`` (NumPy).
    ``setup``: :func:`_setup`'s checked inputs, if already made."""
    if setup is None:
        setup = _setup(xp, y_true, y_pred, input_lengths, label_lengths, input_paddings, label_paddings, blank)
    labels, blank, in_pad, lab_len = setup["labels"], setup["blank"], setup["in_pad"], setup["lab_len"]
    t, s = xp.shape(y_pred)[1], xp.shape(labels)[1]
    log_zero = LOG_ZERO if log_epsilon is None else log_epsilon
    lat = _lattice(xp, y_pred, labels, blank, log_zero, in_pad, log_probs)
    alpha = _forward(xp, *lat[:5], log_zero)
    last = _add_phi(xp, alpha[0][-1], alpha[1][-1])
    hit = xp.expand_dims(xp.cast(xp.arange(s + 1, like=y_pred), xp.dtype_of(y_pred)), 0) == xp.expand_dims(lab_len, 1)
    log_z = xp.sum(xp.where(hit, last, xp.zeros_like(last)), axis=1)
    rep = setup["lab_valid"][:, 1:] & (labels[:, 1:] == labels[:, :-1])
    need = lab_len + xp.sum(xp.cast(rep, xp.dtype_of(y_pred)), axis=1)
    out = {"loss": -log_z, "feasible": need <= t - xp.sum(xp.cast(in_pad, xp.dtype_of(y_pred)), axis=1),
           "alpha_blank": alpha[0], "alpha_emit": alpha[1], "last": last, "label_lengths": lab_len,
           "poison": setup["poison"], "input_paddings": in_pad}
    if grad:
        out["grad"] = _grad(xp, lat, alpha, labels, blank, lab_len, log_z, log_probs)
    return out


def _poison(xp: Any, bad: Array | None, in_len: Array, lab_len: Array) -> Array | None:
    """[N] bool: rows whose labels or lengths broke a rule under a trace (else ``None``)."""
    rows = xp.isnan(in_len) | xp.isnan(lab_len)
    if bad is not None:
        rows = rows | (xp.sum(xp.cast(bad, xp.dtype_of(in_len)), axis=1) > 0)
    return None if xp.is_concrete(rows) and not xp.any_true(rows) else rows


def _log_epsilon(name: str, value: Any) -> Any:
    """``None`` (exact) or a finite negative number (``log 0``'s stand-in); arrays pass."""
    if value is None or _checks.is_array(value):
        return value
    return _checks.number(name, value, None, 0.0, hi_open=True)


def _infinite(xp: Any, loss: Array, feasible: Array) -> Array:
    """``loss`` where ``feasible``, else ``+inf`` with a NaN gradient (torch's
    ``ctc_loss``): ``sqrt(0 * u)`` is 0 whose derivative is ``0 * inf``."""
    u = loss - xp.stop_gradient(loss)  # 0, with loss's derivative
    nan_grad = xp.sqrt(xp.where(feasible, xp.ones_like(u), u * 0.0))
    return xp.where(feasible, loss, nan_grad + float("inf"))


@loss("sequence",
      formula="-log sum over the alignments pi of y (blanks and repeats collapsed) of prod_t softmax(z_t)[pi_t]",
      make=make_ctc,
      cases=({"input_lengths": ARRAY, "label_lengths": ARRAY},
             {"input_paddings": ARRAY, "label_paddings": ARRAY, "log_epsilon": -1e5, "reduction": "none"},
             {"blank": 3, "input_lengths": ARRAY, "label_lengths": ARRAY, "scale_by_length": True,
              "sample_weight": ARRAY}),
      natives={"torch": "F.ctc_loss", "keras": "keras.losses.ctc", "optax": "optax.ctc_loss"},
      checks={"zero_infinity": _checks.flag, "scale_by_length": _checks.flag, "log_probs": _checks.flag,
              "log_epsilon": _log_epsilon},
      arrays=("input_lengths", "label_lengths", "input_paddings", "label_paddings"))
def ctc_loss(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, input_lengths: Any = None,
             label_lengths: Any = None, input_paddings: Any = None, label_paddings: Any = None,
             blank: int = 0, log_epsilon: float | None = None, zero_infinity: bool = False,
             scale_by_length: bool = False, log_probs: bool = False) -> tuple:
    r"""Connectionist temporal classification loss, one value per sequence.

    .. math:: \ell_n = -\log \sum_{\pi \in \mathcal B^{-1}(y_n)} \prod_{t < T_n}
              \operatorname{softmax}(z_{n,t})[\pi_t]

    over the alignments :math:`\pi` of length :math:`T_n` (the input length)
    that collapse to the labels :math:`y_n` (first length :math:`L_n`) when
    repeats are merged and blanks removed. The gradient with respect to the
    logits is :math:`\operatorname{softmax}(z_{n,t}) - \gamma_{n,t}` with
    :math:`\gamma` the posterior occupancy of each class (forward--backward);
    0 at padded steps.

    Args:
      y_true: integer labels ``[N, S]``, right-padded (any value past a
        sequence's length). Within the length: classes in ``[0, C)`` (else
        ``ValueError``; NaN rows under a trace); a label equal to ``blank``
        is a state that emits the blank class, as torch's and TensorFlow's
        kernels take it.
      y_pred: logits ``[N, T, C]`` (log-softmax is applied, so log-probabilities
        pass unchanged).
      input_lengths: ``[N]`` whole numbers in ``[0, T]`` (default ``T``), or
      input_paddings: ``[N, T]``, 1 at padded steps (optax's form), any pattern.
      label_lengths: ``[N]`` whole numbers in ``[0, S]`` (default ``S``), or
      label_paddings: ``[N, S]``, 1 at padded labels (right-padded; their count is what counts).
      blank: the blank class, an int in ``[0, C)``.
      log_epsilon: ``None`` (exact: an impossible alignment -- more labels plus
        repeats than steps -- gives ``+inf``, with a NaN gradient, as torch), or
        a number standing for ``log 0`` (optax's ``-1e5``: always finite).
      zero_infinity: give 0 (and a zero gradient) where no alignment exists.
      scale_by_length: divide each loss by ``max(label length, 1)`` (torch's
        ``reduction='mean'`` then averages these).
      log_probs: ``y_pred`` holds log-probabilities, used as they are (no
        log-softmax), with torch's gradient ``exp(y_pred) - occupancy`` at
        each live step: the gradient through a log-softmax when ``y_pred``
        is normalised (torch's ``ctc_loss`` convention).
      reduction, sample_weight: as :func:`losses.mean_squared_error`; the loss has shape ``[N]``.

    Native equivalents: ``torch.nn.functional.ctc_loss`` (log-probs ``[T, N, C]``),
    ``keras.losses.ctc`` (blank 0, labels padded with 0), ``optax.ctc_loss``
    (``log_epsilon=-1e5``); see the adapters.

    >>> import numpy as np
    >>> float(ctc_loss(np.array([[1]]), np.zeros((1, 2, 2))))  # 3 of 4 paths: -log(3/4)
    0.2876820724517809
    """
    setup = _setup(xp, y_true, y_pred, input_lengths, label_lengths, input_paddings, label_paddings, blank)
    value = g = None
    if xp.ctc is not None and not grad and log_epsilon is None and setup["lengths_form"] and setup["poison"] is None:
        # a fused kernel (torch's): the same per-sequence loss and gradient
        lp = y_pred if log_probs else xp.log_softmax(y_pred, -1)
        value = xp.ctc(xp.moveaxis(lp, 1, 0), setup["labels"], setup["in_len"], setup["lab_len"],
                       setup["blank"], zero_infinity,
                       lambda lp_tnc: _per_sequence(xp, xp.moveaxis(lp_tnc, 0, 1), setup, None, True,
                                                    zero_infinity, False)[0])
    if value is None:
        value, g = _per_sequence(xp, y_pred, setup, log_epsilon, log_probs, zero_infinity, grad)
    lab_len = setup["lab_len"]
    if scale_by_length:
        value = value / xp.maximum(lab_len, 1.0)
    if setup["poison"] is not None:
        value = xp.where(setup["poison"], xp.zeros_like(value) + float("nan"), value)
    if g is not None and scale_by_length:
        g = g / xp.reshape(xp.maximum(lab_len, 1.0), (-1, 1, 1))
    return value, None, g, (1, 2)


def _per_sequence(xp: Any, y_pred: Array, setup: dict, log_epsilon: Any, log_probs: bool, zero_infinity: bool,
                  grad: bool) -> tuple:
    """``(loss [N], closed-form gradient or None)`` of :func:`ctc_loss` before
    ``scale_by_length``, by the recursion."""
    out = ctc_lattice(xp, None, y_pred, log_epsilon=log_epsilon, log_probs=log_probs, grad=grad, setup=setup)
    value, g, ok = out["loss"], out.get("grad"), out["feasible"]
    if log_probs and g is None:  # torch's gradient: + exp(y_pred) at live steps (a term of value 0)
        e = xp.exp(y_pred)
        live = xp.expand_dims(~out["input_paddings"], 2)
        value = value + xp.sum(xp.where(live, e - xp.stop_gradient(e), xp.zeros_like(e)), axis=(1, 2))
    if zero_infinity:
        value = xp.where(ok, value, xp.zeros_like(value))
    elif log_epsilon is None:
        value = _infinite(xp, value, ok)
    if g is not None:
        keep = xp.expand_dims(xp.expand_dims(ok, 1), 2) | (log_epsilon is not None and not zero_infinity)
        # no alignment: torch's NaN at the live steps (0 at padded ones), or zero_infinity's 0
        lost = xp.where(xp.expand_dims(out["input_paddings"], 2) | zero_infinity, xp.zeros_like(g),
                        xp.zeros_like(g) + float("nan"))
        g = xp.where(keep, g, lost)
    return value, g


def ctc_forward_probs(y_true: Any, y_pred: Any, *, input_lengths: Any = None, label_lengths: Any = None,
                      input_paddings: Any = None, label_paddings: Any = None, blank: int = 0,
                      log_epsilon: Any = -1e5) -> tuple[Array, Array, Array]:
    r"""``(loss [N], log alpha_blank [T, N, S+1], log alpha_emit [T, N, S])`` of
    :func:`ctc_loss` (``reduction="none"``, no ``inf`` handling): the forward
    probabilities after each step, optax's ``ctc_loss_with_forward_probs``
    (whose last ``alpha_blank`` row holds the final emit-to-blank move).
    Arguments as :func:`ctc_loss`; half precision is computed in float32.

    >>> import numpy as np
    >>> loss, a_blank, a_emit = ctc_forward_probs(np.array([[1]]), np.zeros((1, 2, 2)))
    >>> a_blank.shape, a_emit.shape, round(float(np.exp(-loss[0])), 6)
    ((2, 1, 2), (2, 1, 1), 0.75)
    """
    xp = table_for(y_true, y_pred, input_lengths, label_lengths, input_paddings, label_paddings,
                   names=("y_true", "y_pred", "input_lengths", "label_lengths", "input_paddings",
                          "label_paddings"))
    y_pred = xp.asarray(y_pred)
    _checks.float_pred(xp, y_pred)
    half = xp.is_half(y_pred)
    work = xp.cast(y_pred, xp.float32) if half else y_pred
    opts = {}
    for k, v in (("input_lengths", input_lengths), ("label_lengths", label_lengths),
                 ("input_paddings", input_paddings), ("label_paddings", label_paddings)):
        opts[k] = None if v is None else xp.cast(xp.asarray(v, like=work), xp.dtype_of(work))
    out = ctc_lattice(xp, y_true, work, blank=blank, log_epsilon=_log_epsilon("log_epsilon", log_epsilon),
                      **opts)
    a_blank = xp.concat([out["alpha_blank"][:-1], xp.expand_dims(out["last"], 0)], 0)
    res = (out["loss"], a_blank, out["alpha_emit"])
    return tuple(xp.cast(r, xp.dtype_of(y_pred)) for r in res) if half else res
