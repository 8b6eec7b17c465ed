"""What every optimizer does around its update rule: clipping, weight decay, slots and state.

Notation (here and in each optimizer's file): w is one parameter array, g its gradient, lr the
learning rate, t = 1, 2, ... the number of the step being taken, and every operation is
elementwise. Slot arrays (m, v, ...) start at zero, one per parameter.

Every optimizer takes the same extra arguments, applied in this order before the update:

    clipvalue         g <- clip(g, -clipvalue, clipvalue)                  elementwise
    clipnorm          g <- g * clipnorm / max(||g||, clipnorm)             each gradient on its own
    global_clipnorm   g <- g * global_clipnorm / max(||G||, global_clipnorm),
                      ||G|| = sqrt(sum over all gradients of ||g||^2)     all gradients together
    weight_decay      w <- w - lr * weight_decay * w                       "decoupled" decay

At most one of the three clipping arguments may be set, as in Keras. Decoupled weight decay
shrinks w directly instead of adding weight_decay * w to g, so Adam's division by sqrt(v) does
not weaken it (Loshchilov and Hutter, 2019).

``optimizer.apply(params, grads)`` updates every ``params[key]`` in place: layers hold these very
arrays, so the optimizer must change their contents, never replace them. ``get_state`` and
``set_state`` save and restore the step count and slots, so that a training run resumes exactly.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from .._checks import build_from_config, check_int, check_number

__all__ = ["Optimizer", "check_positive"]

# The arguments every optimizer takes, in the order get_config lists them: these first, then the
# optimizer's own in the order of its signature.
_SHARED = ("name", "learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm")


def check_positive(
    value: object, name: str, where: str, *, allow_none: bool = False
) -> float | None:
    """``check_number`` for a step size, a norm or an epsilon, which must be above zero.

    The message says "a positive number", as Keras's do, rather than check_number's "> 0".
    """
    expected = "a positive number or None" if allow_none else "a positive number"
    return check_number(
        value, name, where, 0, open_low=True, allow_none=allow_none, expected=expected
    )


class Optimizer:
    """Base class: clipping, weight decay, the step count, the slots and their state.

    A subclass names its slots (``slot_names``), writes ``_update(key, w, g, lr)``, which
    changes ``w`` in place, and keeps each constructor argument in the attribute of the same
    name: ``get_config`` reads them back from there, so everything else is shared.

    Args:
        learning_rate: step size, a positive number; settable later (``opt.learning_rate = x``),
            as ReduceLROnPlateau does.
        weight_decay: decoupled weight decay factor, >= 0, or None for none (default None).
        clipnorm: clip each gradient to this L2 norm, or None (default None).
        clipvalue: clip each gradient element to [-clipvalue, clipvalue], or None (default None).
        global_clipnorm: clip all gradients together to this L2 norm, or None (default None).
        name: a name for messages and configs; default the class name in lower case.

    Attributes:
        iterations: the number of ``apply`` calls done so far (Adam's t is iterations + 1).

    Raises:
        TypeError: an argument of the wrong type (a string learning rate, say).
        ValueError: an argument out of range, or more than one clipping argument.
    """

    def __init__(
        self,
        learning_rate: float,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        where = type(self).__name__
        self.learning_rate = learning_rate
        self.weight_decay = check_number(
            weight_decay,
            "weight_decay",
            where,
            0,
            allow_none=True,
            expected="a non-negative number or None",
        )
        self.clipnorm = check_positive(clipnorm, "clipnorm", where, allow_none=True)
        self.clipvalue = check_positive(clipvalue, "clipvalue", where, allow_none=True)
        self.global_clipnorm = check_positive(
            global_clipnorm, "global_clipnorm", where, allow_none=True
        )
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            given = ", ".join(f"{k}={v}" for k, v in clips.items() if v is not None)
            raise ValueError(
                f"{where}: expected at most one of clipnorm, clipvalue and global_clipnorm, "
                f"received {given}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: expected name as a string or None, received {name!r}")
        self.name = name if name is not None else where.lower()
        self.iterations = 0
        self._slots: dict[str, dict[str, np.ndarray]] = {}

    @property
    def learning_rate(self) -> float:
        """The step size used by the next ``apply`` (a positive float)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_positive(value, "learning_rate", type(self).__name__)

    @property
    def slot_names(self) -> tuple[str, ...]:
        """Names of the per-parameter arrays this optimizer keeps (depends on its settings)."""
        return ()

    def _slot(self, slot: str, key: str, like: np.ndarray) -> np.ndarray:
        """The slot array for parameter ``key``, created as zeros on first use."""
        arrays = self._slots.setdefault(slot, {})
        if key not in arrays:
            arrays[key] = np.zeros_like(like)
        return arrays[key]

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define its update")

    # -- one training step -----------------------------------------------------------------------

    def apply(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Take one step: clip the gradients, decay the weights, update them; ``iterations += 1``.

        Args:
            params: parameter arrays by key ('dense/kernel', ...); each is updated in place.
            grads: gradient arrays with the same keys and shapes; never modified.

        Raises:
            TypeError: a parameter is not a floating-point NumPy array, or a gradient is not
                numeric.
            ValueError: the keys of params and grads differ, or a gradient's shape differs from
                its parameter's (or from the optimizer's slots for that key), or a gradient
                holds NaN or inf: one step with it would turn its weights into NaN without a
                word, so every gradient is checked before any parameter changes.
        """
        grads = self._check(params, grads)
        if not grads:
            return  # nothing to train; Keras does not count an empty step either
        grads = self.clip_gradients(grads)
        lr = self.learning_rate
        if self.weight_decay is not None:
            for w in params.values():
                w -= w * (self.weight_decay * lr)
        for key, w in params.items():
            self._update(key, w, grads[key], lr)
        self.iterations += 1

    def clip_gradients(self, grads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Return the gradients after clipvalue, clipnorm or global_clipnorm (new arrays).

        Without clipping the same dict is returned; the input arrays are never modified.
        """
        if self.clipvalue is not None:
            c = self.clipvalue
            return {k: np.clip(g, -c, c) for k, g in grads.items()}
        if self.clipnorm is not None:
            c = self.clipnorm
            # A gradient shorter than c is left alone (factor c / c = 1), a longer one rescaled.
            return {k: g * (c / max(float(np.linalg.norm(g)), c)) for k, g in grads.items()}
        if self.global_clipnorm is not None:
            c = self.global_clipnorm
            norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values()))
            scale = c / max(norm, c)
            return {k: g * scale for k, g in grads.items()}
        return grads

    def _check(self, params: object, grads: object) -> dict[str, np.ndarray]:
        """Validate params and grads before anything changes; return grads in the params' dtypes."""
        where = type(self).__name__
        for arg, value in (("params", params), ("grads", grads)):
            if not isinstance(value, dict):
                raise TypeError(
                    f"{where}: expected {arg} as a dict of arrays by key, "
                    f"received {type(value).__name__}"
                )
        missing = [k for k in params if k not in grads]
        if missing:
            raise ValueError(
                f"{where}: expected a gradient for every parameter, none for {missing}"
            )
        extra = [k for k in grads if k not in params]
        if extra:
            raise ValueError(f"{where}: received gradients for unknown parameters {extra}")
        checked = {}
        for key, w in params.items():
            if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
                got = f"dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
                raise TypeError(
                    f"{where}: expected parameter '{key}' as a floating-point NumPy array "
                    f"(it is updated in place), received {got}"
                )
            g = np.asarray(grads[key])
            if g.dtype.kind not in "fiu":
                raise TypeError(
                    f"{where}: expected gradient '{key}' with a real numeric dtype, "
                    f"received dtype {g.dtype}"
                )
            if g.shape != w.shape:
                raise ValueError(
                    f"{where}: expected gradient '{key}' with its parameter's shape {w.shape}, "
                    f"received shape {g.shape}"
                )
            for slot, arrays in self._slots.items():
                if key in arrays and arrays[key].shape != w.shape:
                    raise ValueError(
                        f"{where}: parameter '{key}' has shape {w.shape}, but the optimizer's "
                        f"'{slot}' slot for it has shape {arrays[key].shape}; use a new "
                        f"optimizer for a new model"
                    )
            with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
                g = g.astype(w.dtype, copy=False)
            if not np.isfinite(g).all():
                bad = int(g.size - np.count_nonzero(np.isfinite(g)))
                raise ValueError(
                    f"{where}: gradient '{key}' contains {bad} NaN or infinite value(s) (or "
                    f"values too large for {w.dtype}); expected finite numbers, so no parameter "
                    f"was updated. The network is diverging: use a smaller learning rate, clip "
                    f"the gradients (clipnorm, clipvalue) or stop on a NaN loss with the "
                    f"TerminateOnNaN callback"
                )
            checked[key] = g
        return checked

    # -- saving and restoring --------------------------------------------------------------------

    def get_state(self) -> dict[str, Any]:
        """``{"iterations": int, "slots": {slot_name: {key: array}}}``, with copies of the arrays."""
        slots = {
            s: {k: a.copy() for k, a in self._slots.get(s, {}).items()} for s in self.slot_names
        }
        return {"iterations": self.iterations, "slots": slots}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore what ``get_state`` returned (copies are kept); the next step then continues
        exactly as the saved run would have.

        Raises:
            ValueError: the state is not in ``get_state``'s form, names other slots than this
                optimizer keeps, or gives one key arrays of different shapes.
        """
        where = f"{type(self).__name__}.set_state"
        if not isinstance(state, dict) or set(state) != {"iterations", "slots"}:
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(
                f"{where}: expected a dict with keys 'iterations' and 'slots', received {got}"
            )
        iterations = check_int(
            state["iterations"], "iterations", where, 0, expected="a non-negative integer"
        )
        slots = state["slots"]
        if not isinstance(slots, dict) or set(slots) != set(self.slot_names):
            got = sorted(slots) if isinstance(slots, dict) else type(slots).__name__
            raise ValueError(
                f"{where}: expected slots {sorted(self.slot_names)} (for {self!r}), received {got}"
            )
        shapes: dict[str, tuple] = {}
        restored: dict[str, dict[str, np.ndarray]] = {}
        for slot, arrays in slots.items():
            if not isinstance(arrays, dict):
                raise ValueError(
                    f"{where}: expected slot '{slot}' as a dict of arrays by key, "
                    f"received {type(arrays).__name__}"
                )
            restored[slot] = {}
            for key, a in arrays.items():
                if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
                    raise ValueError(
                        f"{where}: expected slot '{slot}' for '{key}' as a floating-point array, "
                        f"received {a!r}"
                    )
                if shapes.setdefault(key, a.shape) != a.shape:
                    raise ValueError(
                        f"{where}: slots for '{key}' have different shapes, {shapes[key]} and "
                        f"{a.shape}; expected one shape, the parameter's"
                    )
                restored[slot][key] = a.copy()
        keys = [sorted(a) for a in restored.values()]
        if any(k != keys[0] for k in keys):
            raise ValueError(
                f"{where}: expected every slot to hold the same parameter keys, received "
                f"{ {s: sorted(a) for s, a in restored.items()} }"
            )
        self.iterations = iterations
        self._slots = restored

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument (the current learning rate included) as plain values.

        Each is read from the attribute of the same name, so that a subclass, which keeps its
        own arguments that way too, has nothing to add here (an argument a subclass does not
        keep as an attribute is left out; such a subclass extends ``get_config`` itself).
        """
        own = [k for k in inspect.signature(type(self)).parameters if k not in _SHARED]
        return {key: getattr(self, key) for key in (*_SHARED, *own) if hasattr(self, key)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """A new optimizer (fresh slots, iterations 0) from ``get_config()``'s dict."""
        return build_from_config(cls, config)

    def __repr__(self) -> str:
        # Only the settings that differ from the defaults, so that Adam() reads as Adam().
        defaults = {k: p.default for k, p in inspect.signature(type(self)).parameters.items()}
        defaults["name"] = type(self).__name__.lower()
        args = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_config().items()
            if k not in defaults or defaults[k] != v
        )
        return f"{type(self).__name__}({args})"
