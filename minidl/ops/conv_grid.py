"""The fast path of conv2d: im2col on flat, channel-first "phase grids".

Plain im2col (``conv._correlate``) copies, for every output pixel, kh*kw rows of C numbers; with
C = 1, 3 or 8 those rows are tiny and the copies, not the matrix products, take the time. This
module lays the padded input out so that every copy and every add moves long contiguous rows:

    1. Phase grids. With stride s, padded row a belongs to phase a % s, at position a // s (the
       same for columns). Output pixel (i, j) reads, through kernel tap (p, q), padded pixel
       (i*sh + p*dh, j*sw + q*dw): phase ((p*dh) % sh, (q*dw) % sw), position
       (i + (p*dh) // sh, j + (q*dw) // sw). So within one phase the tap is a constant *shift*.
    2. Flat and channel-first. Each phase grid is stored as (C, N*Hq*Wq): every channel one long
       row, images one after another (Hq = ceil(Hp / sh), Wq likewise). A shift on the grid is
       then a shift of a flat index, by (p*dh // sh) * Wq + (q*dw // sw).
    3. Columns. Computing an output at *every* grid position r (not only the H_out x W_out valid
       ones), tap (p, q) of channel c reads xf[phase, c, r + shift]: the transposed column
       matrix colsT (kh*kw*C, pixels) is kh*kw contiguous slices of xf. Outputs at invalid
       positions read past the row's end into the next row; they are computed and thrown away.
    4. Backward. dout is placed into the grid with zeros at the invalid positions, so those
       throw-away outputs contribute nothing: dw = colsT @ dout, and the input gradient is
       G = w_mat @ dout^T added back with the same kh*kw contiguous slices.
Examples are processed a few at a time (a chunk of at most ``CHUNK_BYTES`` of columns), so the
buffers stay in the processor's cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CHUNK_BYTES", "grid_backward", "grid_forward"]

CHUNK_BYTES = 2 * 2**20  # columns per chunk: measured fastest between 1 and 4 MiB


@dataclass(frozen=True)
class Geometry:
    """Sizes and tap shifts of one convolution on phase grids."""

    x_shape: tuple  # (N, H, W, C)
    w_shape: tuple  # (kh, kw, C, F)
    stride: tuple
    top_left: tuple  # (P_top, P_left)
    out_hw: tuple  # (H_out, W_out)
    grid_hw: tuple  # (Hq, Wq): size of one phase grid
    taps: tuple  # per (p, q): (phase index, flat shift)
    images_per_chunk: int

    @property
    def tail(self) -> int:
        """Zeros after the last image, so that the largest shift never reads past the array."""
        return max(shift for _, shift in self.taps)


def _geometry(x_shape, w_shape, stride, pad, dilation, out_hw, max_bytes, itemsize) -> Geometry:
    _, H, W, C = x_shape
    kh, kw, _, _ = w_shape
    (pt, pb), (pl, pr) = pad
    hq = -(-(H + pt + pb) // stride[0])
    wq = -(-(W + pl + pr) // stride[1])
    taps = []
    for p in range(kh):
        for q in range(kw):
            ra, rb = divmod(p * dilation[0], stride[0]), divmod(q * dilation[1], stride[1])
            taps.append((ra[1] * stride[1] + rb[1], ra[0] * wq + rb[0]))
    per_image = hq * wq * kh * kw * C * itemsize
    chunk = max(1, min(x_shape[0], min(CHUNK_BYTES, max_bytes) // max(per_image, 1)))
    return Geometry(
        tuple(x_shape),
        tuple(w_shape),
        tuple(stride),
        (pt, pl),
        tuple(out_hw),
        (hq, wq),
        tuple(taps),
        chunk,
    )


def _phase_slices(g: Geometry, ra: int, rb: int):
    """For phase (ra, rb): the grid rows/columns that hold real pixels, and which x pixels."""
    (_, H, W, _), (sh, sw), (pt, pl) = g.x_shape, g.stride, g.top_left
    k0, l0 = max(0, -(-(pt - ra) // sh)), max(0, -(-(pl - rb) // sw))
    k1, l1 = max(k0, (pt + H - 1 - ra) // sh + 1), max(l0, (pl + W - 1 - rb) // sw + 1)
    x0, y0 = ra + sh * k0 - pt, rb + sw * l0 - pl
    grid = (slice(k0, k1), slice(l0, l1))
    image = (slice(x0, x0 + sh * (k1 - k0), sh), slice(y0, y0 + sw * (l1 - l0), sw))
    return grid, image, k1 > k0 and l1 > l0


def _to_grids(x: np.ndarray, g: Geometry) -> np.ndarray:
    """x (N, H, W, C) -> xf (phases, C, N*Hq*Wq + tail): padded, split by phase, channel-first."""
    N, _, _, C = g.x_shape
    hq, wq = g.grid_hw
    sh, sw = g.stride
    xf = np.zeros((sh * sw, C, N * hq * wq + g.tail), dtype=x.dtype)
    for ra in range(sh):
        for rb in range(sw):
            grid, image, nonempty = _phase_slices(g, ra, rb)
            if nonempty:
                view = xf[ra * sw + rb, :, : N * hq * wq].reshape(C, N, hq, wq)
                view[:, :, grid[0], grid[1]] = x[:, image[0], image[1]].transpose(3, 0, 1, 2)
    return xf


def _from_grids(dxf: np.ndarray, g: Geometry) -> np.ndarray:
    """The inverse of ``_to_grids`` for gradients: the real pixels back to (N, H, W, C)."""
    N, H, W, C = g.x_shape
    hq, wq = g.grid_hw
    sh, sw = g.stride
    dx = np.zeros((N, H, W, C), dtype=dxf.dtype)
    for ra in range(sh):
        for rb in range(sw):
            grid, image, nonempty = _phase_slices(g, ra, rb)
            if nonempty:
                view = dxf[ra * sw + rb, :, : N * hq * wq].reshape(C, N, hq, wq)
                dx[:, image[0], image[1]] = view[:, :, grid[0], grid[1]].transpose(1, 2, 3, 0)
    return dx


def _fill_columns(cols_t: np.ndarray, xf: np.ndarray, g: Geometry, r0: int, r1: int) -> None:
    """cols_t[(tap, c), r - r0] = xf[phase(tap), c, r + shift(tap)] for r in [r0, r1)."""
    C = g.x_shape[3]
    for t, (phase, shift) in enumerate(g.taps):
        cols_t[t * C : (t + 1) * C, : r1 - r0] = xf[phase, :, r0 + shift : r1 + shift]


def grid_forward(x, w, stride, pad, dilation, out_hw, max_bytes) -> tuple[np.ndarray, tuple]:
    """out (N, H_out, W_out, F) = conv2d(x, w) without bias; returns ``(out, state)``."""
    g = _geometry(x.shape, w.shape, stride, pad, dilation, out_hw, max_bytes, x.dtype.itemsize)
    N, F = x.shape[0], w.shape[3]
    (hq, wq), (h_out, w_out) = g.grid_hw, g.out_hw
    K = w.shape[0] * w.shape[1] * w.shape[2]
    xf = _to_grids(x, g)
    w_mat = w.reshape(K, F)
    cols_t = np.empty((K, g.images_per_chunk * hq * wq), dtype=x.dtype)
    out = np.empty((N, h_out, w_out, F), dtype=x.dtype)
    # The output at every grid position, valid or not; buffers are reused from chunk to chunk:
    # fresh ones cost page faults, which here take longer than the products.
    every_position = np.empty((g.images_per_chunk, hq, wq, F), dtype=x.dtype)
    for n0 in range(0, N, g.images_per_chunk):
        n1 = min(N, n0 + g.images_per_chunk)
        r0, r1 = n0 * hq * wq, n1 * hq * wq
        _fill_columns(cols_t, xf, g, r0, r1)
        np.matmul(cols_t[:, : r1 - r0].T, w_mat, out=every_position[: n1 - n0].reshape(r1 - r0, F))
        out[n0:n1] = every_position[: n1 - n0, :h_out, :w_out]
    return out, (g, xf, w)


def grid_backward(
    dout: np.ndarray, state: tuple, input_gradient: bool = True
) -> tuple[np.ndarray | None, np.ndarray]:
    """(dx, dw) of ``grid_forward`` for upstream gradient dout (N, H_out, W_out, F); dx is None
    (and costs nothing) with ``input_gradient=False``."""
    g, xf, w = state
    N, C, F = g.x_shape[0], g.x_shape[3], w.shape[3]
    (hq, wq), (h_out, w_out) = g.grid_hw, g.out_hw
    K = w.shape[0] * w.shape[1] * C
    w_mat = w.reshape(K, F)
    dxf = np.zeros_like(xf) if input_gradient else None
    dw = np.zeros((K, F), dtype=xf.dtype)
    cols_t = np.empty((K, g.images_per_chunk * hq * wq), dtype=xf.dtype)
    dgrid = np.zeros((g.images_per_chunk, hq, wq, F), dtype=xf.dtype)  # zeros off the valid outputs
    dw_chunk = np.empty((K, F), dtype=xf.dtype)
    g_mat = np.empty_like(cols_t)  # (taps * C, pixels): what each tap sends back
    for n0 in range(0, N, g.images_per_chunk):
        n1 = min(N, n0 + g.images_per_chunk)
        r0, r1 = n0 * hq * wq, n1 * hq * wq
        dgrid[: n1 - n0, :h_out, :w_out] = dout[n0:n1]
        d_mat = dgrid[: n1 - n0].reshape(r1 - r0, F)
        _fill_columns(cols_t, xf, g, r0, r1)
        dw += np.matmul(cols_t[:, : r1 - r0], d_mat, out=dw_chunk)
        if dxf is None:
            continue
        np.matmul(w_mat, d_mat.T, out=g_mat[:, : r1 - r0])
        for t, (phase, shift) in enumerate(g.taps):
            dxf[phase, :, r0 + shift : r1 + shift] += g_mat[t * C : (t + 1) * C, : r1 - r0]
    return None if dxf is None else _from_grids(dxf, g), dw.reshape(w.shape)
