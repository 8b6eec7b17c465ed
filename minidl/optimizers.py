"""Optimizers: how a gradient becomes a change of the weights (Keras 3's rules, names, defaults).

Notation: w is one parameter array, g its gradient, lr the learning rate, t = 1, 2, ... the
number of the step being taken, and every operation is elementwise. Slot arrays (m, v, ...) start
at zero, one per parameter.

    SGD       momentum = 0:   w <- w - lr * g
              otherwise:      m <- momentum * m - lr * g
                              w <- w + m                         (plain momentum)
                              w <- w + momentum * m - lr * g     (nesterov=True: look one step ahead)

    RMSprop   v <- rho * v + (1 - rho) * g^2                     (running mean of g^2)
              d = v + epsilon
                  centered:  a <- rho * a + (1 - rho) * g;   d = v - a^2 + epsilon   (a variance)
              step = lr * g / sqrt(d)
              momentum = 0:  w <- w - step;   otherwise  m <- momentum * m + step;   w <- w - m

    Adam      m <- m + (1 - beta_1) * (g - m)                   (= beta_1 m + (1 - beta_1) g)
              v <- v + (1 - beta_2) * (g^2 - v)
                  amsgrad:   vhat <- max(vhat, v), used in place of v below
              alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)   (bias correction of m and v)
              w <- w - alpha * m / (sqrt(v) + epsilon)

    AdamW     Adam with decoupled weight decay (below) switched on: weight_decay = 0.004.

m and v start at zero, so early on they underestimate the mean of g and of g^2 by the factors
(1 - beta_1^t) and (1 - beta_2^t); alpha undoes both. Keras's epsilon is Kingma and Ba's
"epsilon hat": it sits outside the bias correction, so it equals the paper's (and PyTorch's)
epsilon times sqrt(1 - beta_2^t). RMSprop's epsilon goes inside the square root.

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
import numbers
from typing import Any

import numpy as np

from ._checks import build_from_config, from_identifier

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "get", "serialize"]


def _number(value: object, name: str, where: str, expected: str, ok) -> float:
    """Return ``value`` as a float if it is a finite real number with ``ok(value)``, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: expected {name} as {expected}, received {value!r} ({type(value).__name__})"
        )
    if not (math.isfinite(value) and ok(value)):
        raise ValueError(f"{where}: expected {name} as {expected}, received {value}")
    return float(value)


def _optional_positive(value: object, name: str, where: str) -> float | None:
    if value is None:
        return None
    return _number(value, name, where, "a positive number or None", lambda x: x > 0)


def _flag(value: object, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: expected {name} as True or False, received {value!r}")
    return bool(value)


class Optimizer:
    """Base class: clipping, weight decay, the step count, the slots and their state.

    A subclass names its slots (``slot_names``) and writes ``_update(key, w, g, lr)``, which
    changes ``w`` in place; everything else is shared.

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
        if weight_decay is not None:
            weight_decay = _number(
                weight_decay,
                "weight_decay",
                where,
                "a non-negative number or None",
                lambda x: x >= 0,
            )
        self.weight_decay = weight_decay
        self.clipnorm = _optional_positive(clipnorm, "clipnorm", where)
        self.clipvalue = _optional_positive(clipvalue, "clipvalue", where)
        self.global_clipnorm = _optional_positive(global_clipnorm, "global_clipnorm", where)
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
        self._learning_rate = _number(
            value, "learning_rate", type(self).__name__, "a positive number", lambda x: x > 0
        )

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
                its parameter's (or from the optimizer's slots for that key).
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
            checked[key] = g.astype(w.dtype, copy=False)
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
        iterations, slots = state["iterations"], state["slots"]
        if (
            isinstance(iterations, (bool, np.bool_))
            or not isinstance(iterations, numbers.Integral)
            or iterations < 0
        ):
            raise ValueError(
                f"{where}: expected iterations as a non-negative integer, received {iterations!r}"
            )
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
        self.iterations = int(iterations)
        self._slots = restored

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument (the current learning rate included) as plain values."""
        return {
            "name": self.name,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }

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


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum (Keras's ``SGD``).

    Args:
        learning_rate: step size (default 0.01).
        momentum: in [0, 1]; 0 is plain gradient descent (default 0.0).
        nesterov: use Nesterov momentum (default False).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Slots: 'momentum' (the velocity m, which includes the factor -lr), when momentum > 0.

    Example:
        >>> w = np.array([1.0])
        >>> SGD(learning_rate=0.1).apply({"w": w}, {"w": np.array([2.0])})
        >>> w  # 1 - 0.1 * 2
        array([0.8])
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        where = type(self).__name__
        self.momentum = _number(
            momentum, "momentum", where, "a number in [0, 1]", lambda x: 0 <= x <= 1
        )
        self.nesterov = _flag(nesterov, "nesterov", where)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum != 0 else ()

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        if self.momentum == 0:
            w -= lr * g
            return
        m = self._slot("momentum", key, w)
        m *= self.momentum
        m -= lr * g
        if self.nesterov:
            w += self.momentum * m - lr * g
        else:
            w += m

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide each gradient by a running root-mean-square of its recent values (Keras's ``RMSprop``).

    Args:
        learning_rate: step size (default 0.001).
        rho: decay of the running mean of g^2, in [0, 1) (default 0.9).
        momentum: in [0, 1]; 0 for none (default 0.0).
        epsilon: added to the mean square inside the square root, > 0 (default 1e-7).
        centered: divide by the running standard deviation of g instead of its root mean
            square (default False).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Slots: 'velocity' (v); 'momentum' when momentum > 0; 'average_gradient' (a) when centered.

    Example:
        Keras's documented example: w = 10, loss w^2 / 2, so g = w = 10; v = 0.1 * 100 = 10.
        >>> w = np.array([10.0])
        >>> RMSprop(learning_rate=0.1).apply({"w": w}, {"w": w.copy()})
        >>> w  # 10 - 0.1 * 10 / sqrt(10 + 1e-7)
        array([9.68377224])
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        where = type(self).__name__
        self.rho = _number(rho, "rho", where, "a number in [0, 1)", lambda x: 0 <= x < 1)
        self.momentum = _number(
            momentum, "momentum", where, "a number in [0, 1]", lambda x: 0 <= x <= 1
        )
        self.epsilon = _number(epsilon, "epsilon", where, "a positive number", lambda x: x > 0)
        self.centered = _flag(centered, "centered", where)

    @property
    def slot_names(self) -> tuple[str, ...]:
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        rho = self.rho
        v = self._slot("velocity", key, w)
        v *= rho
        v += (1 - rho) * np.square(g)
        if self.centered:
            a = self._slot("average_gradient", key, w)
            a *= rho
            a += (1 - rho) * g
            # v - a^2 >= 0 (a weighted variance), up to rounding that epsilon absorbs
            denominator = v - np.square(a) + self.epsilon
        else:
            denominator = v + self.epsilon
        step = lr * g / np.sqrt(denominator)
        if self.momentum > 0:
            m = self._slot("momentum", key, w)
            m *= self.momentum
            m += step
            w -= m
        else:
            w -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Momentum on g divided by a running root-mean-square of g, bias-corrected (Keras's ``Adam``).

    Args:
        learning_rate: step size (default 0.001); the first step moves each weight by about
            learning_rate, whatever the size of its gradient.
        beta_1: decay of the running mean of g, in [0, 1) (default 0.9).
        beta_2: decay of the running mean of g^2, in [0, 1) (default 0.999).
        epsilon: Keras's "epsilon hat", added to sqrt(v), > 0 (default 1e-7).
        amsgrad: divide by the largest v seen so far (Reddi et al., 2018) (default False).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Slots: 'momentum' (m), 'velocity' (v), and 'velocity_hat' when amsgrad.

    Example:
        >>> w = np.array([1.0])
        >>> Adam(learning_rate=0.1).apply({"w": w}, {"w": np.array([2.0])})
        >>> w  # 1 - 0.1 * 2 / (2 + epsilon / sqrt(0.001)): a step of about lr
        array([0.90000016])
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        where = type(self).__name__
        self.beta_1 = _number(beta_1, "beta_1", where, "a number in [0, 1)", lambda x: 0 <= x < 1)
        self.beta_2 = _number(beta_2, "beta_2", where, "a number in [0, 1)", lambda x: 0 <= x < 1)
        self.epsilon = _number(epsilon, "epsilon", where, "a positive number", lambda x: x > 0)
        self.amsgrad = _flag(amsgrad, "amsgrad", where)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return (
            ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")
        )

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        t = self.iterations + 1
        alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m = self._slot("momentum", key, w)
        v = self._slot("velocity", key, w)
        m += (g - m) * (1 - self.beta_1)
        v += (np.square(g) - v) * (1 - self.beta_2)
        if self.amsgrad:
            v_hat = self._slot("velocity_hat", key, w)
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        w -= alpha * m / (np.sqrt(v) + self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay, ``w <- w - lr * weight_decay * w`` before each step
    (Keras's ``AdamW``; Loshchilov and Hutter, 2019).

    Args:
        learning_rate: step size (default 0.001).
        weight_decay: decay factor, >= 0; required, not None (default 0.004).
        beta_1, beta_2, epsilon, amsgrad: as for ``Adam``.
        clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        if weight_decay is None:
            raise ValueError(
                "AdamW: expected weight_decay as a non-negative number, received None "
                "(for no weight decay use Adam)"
            )
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
            name,
        )


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}
_KNOWN = "'sgd', 'rmsprop', 'adam', 'adamw' (or a dict {'class_name': ..., 'config': {...}})"


def get(identifier: str | dict | Optimizer) -> Optimizer:
    """An optimizer from what ``compile(optimizer=...)`` accepts.

    Args:
        identifier: an ``Optimizer`` (returned as is, slots and all), a name ('sgd', 'rmsprop',
            'adam', 'adamw'; case does not matter) for a new one with Keras's defaults, or a
            dict ``{"class_name": "Adam", "config": {...}}`` as ``serialize`` writes it.

    Returns:
        An ``Optimizer``.

    Raises:
        ValueError: an unknown name or class name, or a malformed dict.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    return from_identifier(identifier, _BY_NAME, "optimizer", _KNOWN)


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": "Adam", "config": {...}}``: the settings, not the slots (see ``get_state``)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizers.serialize: expected an Optimizer, received {type(optimizer).__name__}"
        )
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}
