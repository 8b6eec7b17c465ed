"""2-D convolution, channels-last, as im2col + one matrix product.

For an input x (N, H, W, C), kernels w (kh, kw, C, F) and biases b (F,), the layer computes
(strictly a cross-correlation, as every deep-learning library does)

    out[n, i, j, f] = b[f] + sum_{p, q, c} xp[n, i*sh + p*dh, j*sw + q*dw, c] * w[p, q, c, f]

where xp is x with zeros padded around it, (sh, sw) the stride and (dh, dw) the dilation.

Shape: with P_top + P_bottom rows of padding,
    H_out = floor((H + P_top + P_bottom - dh*(kh-1) - 1) / sh) + 1
and likewise for W_out.

How it is computed. im2col turns the convolution into one matrix product:
    1. a strided *view* of xp lists, for every output pixel, the kh*kw*C input values under the
       kernel: shape (N, H_out, W_out, kh, kw, C), no copy (``_windows``);
    2. reshaped to a matrix (N*H_out*W_out, kh*kw*C) (the one copy), times the kernel as a
       matrix (kh*kw*C, F): every output at once (``_correlate``);
    3. backward: dw = cols^T @ dout and dcols = dout @ w^T, again matrix products; dcols is
       scattered back onto the input (col2im) with a loop over the kh*kw kernel offsets only
       (``_kernel_gradient``, ``_input_gradient``; the transposed convolution uses these).
``conv2d_forward``/``conv2d_backward`` run the same three products on a layout that makes every
copy contiguous (``minidl.ops.conv_grid``: flat, channel-first phase grids), several times
faster when C is small. Either way the batch is processed in chunks whose column buffer fits in
``max_buffer_bytes`` (default 256 MiB): a 224x224 batch never allocates gigabytes.
``minidl.ops.naive`` has the same operation as plain loops over the formula above.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, as_gradient, check_cache, check_int
from .conv_grid import grid_backward, grid_forward
from .reduce import channel_sums

__all__ = [
    "DEFAULT_MAX_BUFFER_BYTES",
    "bias_gradient",
    "conv2d_backward",
    "conv2d_forward",
    "conv_output_shape",
    "normalize_padding",
    "to_pair",
]

DEFAULT_MAX_BUFFER_BYTES = 256 * 2**20

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


def to_pair(value: object, name: str, where: str, minimum: int) -> Pair:
    """``3 -> (3, 3)``, ``(2, 1) -> (2, 1)``; each entry an integer >= ``minimum``."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair
    ):
        raise ValueError(
            f"{where}: expected {name} as an int or a pair of ints, received {value!r}"
        )
    if min(pair) < minimum:
        raise ValueError(f"{where}: expected {name} >= {minimum}, received {value!r}")
    return int(pair[0]), int(pair[1])


def normalize_padding(
    padding: object,
    kernel_size: Pair,
    stride: Pair = (1, 1),
    dilation: Pair = (1, 1),
    in_size: Pair | None = None,
    where: str = "normalize_padding",
) -> Padding:
    """Turn any accepted padding into ``((top, bottom), (left, right))``.

    Accepted: an int p (p on every side), a pair (ph, pw), ((top, bottom), (left, right)),
    'valid' (no padding) or 'same'. 'same' follows Keras/TensorFlow: the output has
    ceil(in / stride) pixels, and of an odd total of padding the extra pixel goes to the
    bottom/right. It depends on the input size, hence ``in_size`` (H, W).
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode != "same":
            raise ValueError(
                f"{where}: expected padding 'valid', 'same', an int or pairs, received {padding!r}"
            )
        if in_size is None:
            raise ValueError(f"{where}: padding='same' needs the input size")
        sides = []
        for size, k, s, d in zip(in_size, kernel_size, stride, dilation, strict=True):
            out = -(-size // s)  # ceil(size / s)
            total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
            sides.append((total // 2, total - total // 2))
        return sides[0], sides[1]
    if (
        isinstance(padding, (tuple, list))
        and len(padding) == 2
        and all(isinstance(p, (tuple, list)) for p in padding)
    ):
        (top, bottom), (left, right) = (
            to_pair(padding[0], "padding (top, bottom)", where, 0),
            to_pair(padding[1], "padding (left, right)", where, 0),
        )
        return (top, bottom), (left, right)
    ph, pw = to_pair(padding, "padding", where, 0)
    return (ph, ph), (pw, pw)


def _out_size(size: int, pad: Pair, k: int, s: int, d: int) -> int:
    return (size + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


def conv_output_shape(
    input_shape: tuple,
    kernel_shape: tuple,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> tuple:
    """Output shape (N, H_out, W_out, F) of ``conv2d_forward`` (formula in the module docstring).

    Args:
        input_shape: (N, H, W, C), four positive ints.
        kernel_shape: (kh, kw, C, F), four positive ints, with the input's C.

    Raises:
        TypeError: a shape is not a tuple of four ints.
        ValueError: a shape entry below 1, a channel mismatch, or a kernel that does not fit in
            the padded input (an empty output).
    """
    where = "conv_output_shape"
    input_shape = _check_shape(input_shape, "input_shape", "(N, H, W, C)", where)
    kernel_shape = _check_shape(kernel_shape, "kernel_shape", "(kh, kw, C, F)", where)
    if kernel_shape[2] != input_shape[3]:
        raise ValueError(
            f"{where}: expected kernel_shape with {input_shape[3]} input channels "
            f"(kh, kw, {input_shape[3]}, F) to match input_shape {input_shape}, received "
            f"{kernel_shape}"
        )
    return _output_shape(input_shape, kernel_shape, stride, padding, dilation, where)


def _check_shape(shape: object, name: str, layout: str, where: str) -> tuple:
    if not isinstance(shape, (tuple, list)) or len(shape) != 4:
        raise TypeError(
            f"{where}: expected {name} as a tuple {layout} of four positive ints, received "
            f"{shape!r}"
        )
    return tuple(check_int(v, f"{name}[{i}]", where, 1) for i, v in enumerate(shape))


def _buffer_budget(max_buffer_bytes: object, where: str) -> int:
    """The im2col memory budget: a positive int, or None for ``DEFAULT_MAX_BUFFER_BYTES``."""
    budget = check_int(max_buffer_bytes, "max_buffer_bytes", where, 1, allow_none=True)
    return DEFAULT_MAX_BUFFER_BYTES if budget is None else budget


def _output_shape(input_shape, kernel_shape, stride, padding, dilation, where: str) -> tuple:
    n, h, w, _ = input_shape
    kh, kw, _, f = kernel_shape
    stride = to_pair(stride, "stride", where, 1)
    dilation = to_pair(dilation, "dilation", where, 1)
    (pt, pb), (pl, pr) = normalize_padding(padding, (kh, kw), stride, dilation, (h, w), where)
    h_out = _out_size(h, (pt, pb), kh, stride[0], dilation[0])
    w_out = _out_size(w, (pl, pr), kw, stride[1], dilation[1])
    if h_out < 1 or w_out < 1:
        eff = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
        raise ValueError(
            f"{where}: the kernel spans {eff[0]}x{eff[1]} pixels (with dilation) but the padded "
            f"input is only {h + pt + pb}x{w + pl + pr}: the output would be empty"
        )
    return n, h_out, w_out, f


def _windows(xp: np.ndarray, k: Pair, out: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """A read-only view (N, H_out, W_out, kh, kw, C) of the kernel-sized windows of xp.

    Moving one output row moves sh input rows; moving one kernel row moves dh input rows; the
    strides of the view say exactly that, so no data is copied.
    """
    sn, sh, sw, sc = xp.strides
    shape = (xp.shape[0], out[0], out[1], k[0], k[1], xp.shape[3])
    strides = (sn, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1], sc)
    return np.lib.stride_tricks.as_strided(xp, shape, strides, writeable=False)


def _batch_chunk(n: int, row_bytes: int, max_buffer_bytes: int) -> int:
    """How many examples fit in one column buffer (at least one)."""
    return max(1, min(n, max_buffer_bytes // max(row_bytes, 1)))


def _correlate(
    xp: np.ndarray, w: np.ndarray, out_hw: Pair, stride: Pair, dilation: Pair, chunk: int
) -> np.ndarray:
    """out[n, i, j, f] = sum_{p, q, c} xp[n, i*sh + p*dh, j*sw + q*dw, c] w[p, q, c, f], by im2col:
    each chunk of examples' windows copied into a matrix, times the kernel as a matrix."""
    kh, kw, C, F = w.shape
    cols_view = _windows(xp, (kh, kw), out_hw, stride, dilation)
    w_mat = w.reshape(kh * kw * C, F)
    out = np.empty((xp.shape[0], *out_hw, F), dtype=xp.dtype)
    for n0 in range(0, xp.shape[0], chunk):
        cols = cols_view[n0 : n0 + chunk].reshape(-1, kh * kw * C)
        out[n0 : n0 + chunk] = (cols @ w_mat).reshape(-1, *out_hw, F)
    return out


def _kernel_gradient(
    xp: np.ndarray, dout: np.ndarray, w_shape: tuple, stride: Pair, dilation: Pair, chunk: int
) -> np.ndarray:
    """dw[p, q, c, f] = sum_{n, i, j} xp[n, i*sh + p*dh, j*sw + q*dw, c] dout[n, i, j, f] = cols^T @ dout."""
    kh, kw, C, F = w_shape
    cols_view = _windows(xp, (kh, kw), dout.shape[1:3], stride, dilation)
    dw = np.zeros((kh * kw * C, F), dtype=xp.dtype)
    for n0 in range(0, xp.shape[0], chunk):
        cols = cols_view[n0 : n0 + chunk].reshape(-1, kh * kw * C)
        dw += cols.T @ dout[n0 : n0 + chunk].reshape(-1, F)
    return dw.reshape(w_shape)


def _input_gradient(
    dout: np.ndarray, w: np.ndarray, xp_shape: tuple, stride: Pair, dilation: Pair, chunk: int
) -> np.ndarray:
    """The adjoint of ``_correlate`` with respect to xp (col2im): each dout[n, i, j, f] sends
    w[p, q, c, f] * dout back to xp[n, i*sh + p*dh, j*sw + q*dw, c], one kernel offset at a time.

    The products are computed tap by tap, as (taps, pixels, C): each tap's block is then one
    contiguous array, which the strided add reads far faster than a slice of (pixels, taps*C).
    """
    kh, kw, C, F = w.shape
    N, H_out, W_out, _ = dout.shape
    w_taps_t = w.reshape(kh * kw, C, F).transpose(0, 2, 1)  # (taps, F, C)
    dxp = np.zeros(xp_shape, dtype=dout.dtype)
    rows_span = stride[0] * (H_out - 1) + 1
    cols_span = stride[1] * (W_out - 1) + 1
    for n0 in range(0, N, chunk):
        n1 = min(n0 + chunk, N)
        dcols = np.matmul(dout[n0:n1].reshape(-1, F), w_taps_t)  # (taps, pixels, C)
        dcols = dcols.reshape(kh, kw, n1 - n0, H_out, W_out, C)
        for p in range(kh):
            r0 = p * dilation[0]
            for q in range(kw):
                c0 = q * dilation[1]
                dxp[n0:n1, r0 : r0 + rows_span : stride[0], c0 : c0 + cols_span : stride[1]] += (
                    dcols[p, q]
                )
    return dxp


def bias_gradient(dout: np.ndarray) -> np.ndarray:
    """db[f] = sum over n, i, j of dout[n, i, j, f]: the bias is added at every output pixel."""
    return channel_sums(dout)


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    max_buffer_bytes: int | None = None,
) -> tuple[np.ndarray, tuple]:
    """2-D convolution of a channels-last batch (see the module docstring for the formula).

    Args:
        x: inputs (N, H, W, C).
        w: kernels (kh, kw, C, F).
        b: biases (F,), or None.
        stride: int or (sh, sw) (default 1).
        padding: int, (ph, pw), ((top, bottom), (left, right)), 'valid' or 'same' (default 0).
        dilation: int or (dh, dw) (default 1): spacing between kernel taps.
        max_buffer_bytes: memory budget of the im2col buffer (default 256 MiB).

    Returns:
        ``(out, cache)`` with out (N, H_out, W_out, F), of x's dtype.

    Shape:
        H_out = floor((H + P_top + P_bottom - dh*(kh-1) - 1) / sh) + 1, likewise W_out.

    Raises:
        ValueError: wrong ranks, channel mismatch, bad stride/dilation/padding, an empty output,
            or NaN/inf in x or w.
    """
    where = "conv2d_forward"
    x = as_float_array(x, "x", where, ndim=4)
    w = as_float_array(w, "w", where, ndim=4)
    if w.shape[2] != x.shape[3]:
        raise ValueError(
            f"{where}: expected w with {x.shape[3]} input channels (kh, kw, {x.shape[3]}, F) to "
            f"match x {x.shape}, received w {w.shape}"
        )
    if b is not None:
        b = as_float_array(b, "b", where, ndim=1)
        if b.shape != (w.shape[3],):
            raise ValueError(f"{where}: expected b of shape ({w.shape[3]},), received {b.shape}")
    kh, kw = w.shape[:2]
    stride = to_pair(stride, "stride", where, 1)
    dilation = to_pair(dilation, "dilation", where, 1)
    pad = normalize_padding(padding, (kh, kw), stride, dilation, x.shape[1:3], where)
    _, H_out, W_out, _ = _output_shape(x.shape, w.shape, stride, pad, dilation, where)
    budget = _buffer_budget(max_buffer_bytes, where)

    dtype = np.result_type(x.dtype, w.dtype)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    out, state = grid_forward(x, w, stride, pad, dilation, (H_out, W_out), budget)
    if b is not None:
        out += b.astype(dtype, copy=False)
    return out, (state, b is not None, state[0].images_per_chunk)


def conv2d_backward(
    dout: np.ndarray, cache: tuple, input_gradient: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """Gradients of ``conv2d_forward``: returns ``(dx, dw, db)`` (db None without bias; dx None
    with ``input_gradient=False``, which skips half the work: a network's first layer needs no
    gradient with respect to the data).

    dw[p, q, c, f] = sum_{n, i, j} xp[n, i*sh + p*dh, j*sw + q*dw, c] * dout[n, i, j, f]
    dx: each dout[n, i, j, f] sends w[p, q, c, f] * dout back to the input pixel it came from.
    """
    state, has_bias, _ = check_cache(cache, 3, "conv2d_backward", "conv2d_forward")
    g = state[0]
    expected = (g.x_shape[0], *g.out_hw, g.w_shape[3])
    dout = as_gradient(dout, expected, "dout", "conv2d_backward")
    dout = dout.astype(state[1].dtype, copy=False)
    dx, dw = grid_backward(dout, state, input_gradient)
    db = bias_gradient(dout) if has_bias else None
    return dx, dw, db
