"""The defects drawn into a synthetic wafer (wafer.py): scratches, particles and cracks.

Defects are drawn into the scene before the light and the camera, as real ones are:

    scratch    a wafer dragged across something hard leaves a long, thin, gently curved line.
               Modelled as a quadratic Bezier curve, 1-3 px wide and a few tens to ~150 px long
               (at 400 px), fading in and out along its length; darker or brighter than the
               wafer, depending on how the groove catches the light.
    particle   dust or residue: a small blob (2-10 px across), irregular and often very dark
               (it shadows or absorbs) or bright (it scatters light into the lens).
    crack      silicon is brittle; a crack runs in short straight steps along crystal planes and
               forks. Modelled as a random walk with sharp kinks and a few branches, dark,
               widest where it started.

Every defect lies inside the usable area (inside the edge-exclusion ring), and the defects of
one image never overlap or touch.

``add_defects`` places them one by one at random inside the usable area, keeping ``GAP`` pixels
clear around each, and returns each defect's class, mask and tight half-open box (wafer.py's
docstring defines the coordinates).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["GAP", "add_defects"]

GAP = 2  # pixels kept clear between defects, and between a background patch and any defect


def _render_strokes(points, radius, strength, H, W):
    """Rasterise thick lines through densely sampled ``points`` (row, col).

    Each pixel takes the half-width and contrast of its nearest centre-line pixel (a distance
    transform finds it), so a line can taper and fade along its length.

    Returns:
        (y0, x0), mask, offset: the window's corner in the image, the footprint and the change
        in brightness, both the window's shape.
    """
    pad = int(np.ceil(radius.max())) + 2
    y0, x0 = np.floor(points.min(axis=0)).astype(int) - pad
    y1, x1 = np.ceil(points.max(axis=0)).astype(int) + pad + 1
    y0, x0, y1, x1 = max(y0, 0), max(x0, 0), min(y1, H), min(x1, W)
    ij = np.rint(points).astype(int) - (y0, x0)
    keep = (ij[:, 0] >= 0) & (ij[:, 0] < y1 - y0) & (ij[:, 1] >= 0) & (ij[:, 1] < x1 - x0)
    ij, radius, strength = ij[keep], radius[keep], strength[keep]
    shape = (y1 - y0, x1 - x0)
    centre, rad, con = np.zeros(shape, bool), np.zeros(shape), np.zeros(shape)
    centre[ij[:, 0], ij[:, 1]] = True
    rad[ij[:, 0], ij[:, 1]] = radius
    con[ij[:, 0], ij[:, 1]] = strength
    dist, (iy, ix) = ndimage.distance_transform_edt(~centre, return_indices=True)
    rad, con = rad[iy, ix], con[iy, ix]
    mask = dist <= rad
    offset = np.where(mask, con * (1 - 0.45 * (dist / (rad + 1)) ** 2), 0.0)
    return (y0, x0), mask, offset


def _densify(vertices: np.ndarray, step: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step`` px along a polyline, and their fraction of the way along (0..1)."""
    seg = np.hypot(*np.diff(vertices, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, arc[-1], max(2, int(arc[-1] / step) + 1))
    pts = np.stack([np.interp(t, arc, vertices[:, 0]), np.interp(t, arc, vertices[:, 1])], 1)
    return pts, t / max(arc[-1], 1e-9)


def _scratch(rng, start, s, H, W):
    length = max(10.0, rng.uniform(30.0, 150.0) * s)
    theta = rng.uniform(0, 2 * np.pi)
    end = start + length * np.array([np.sin(theta), np.cos(theta)])
    bend = rng.uniform(-0.35, 0.35) * length * np.array([np.cos(theta), -np.sin(theta)])
    control = (start + end) / 2 + bend
    t = np.linspace(0.0, 1.0, int(3 * length) + 2)[:, None]
    pts = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end
    t = t[:, 0]
    wide = rng.random() < 0.4 and s >= 0.3
    radius = np.where(wide & (t > 0.1) & (t < 0.9), 1.0, 0.0)
    fade = np.clip(np.sin(np.pi * t) ** 0.5, 0.45, 1.0)
    flicker = 1 + 0.2 * np.sin(2 * np.pi * rng.uniform(1, 4) * t + rng.uniform(0, 7))
    sign = rng.choice([-1.0, 1.0], p=[0.6, 0.4])
    strength = sign * rng.uniform(30.0, 60.0) * fade * flicker
    return pts, _render_strokes(pts, radius, strength, H, W)


def _crack_walk(rng, start, theta, length, step):
    """A jagged path: straight steps whose direction jumps around a slowly drifting heading."""
    n = max(2, int(length / step))
    heading = theta + np.cumsum(rng.normal(0.0, 0.08, n))
    angles = heading + rng.normal(0.0, 0.45, n)
    steps = step * rng.uniform(0.6, 1.4, (n, 1)) * np.stack([np.sin(angles), np.cos(angles)], 1)
    return np.concatenate([start[None], start + np.cumsum(steps, axis=0)]), angles


def _crack(rng, start, s, H, W):
    length = max(12.0, rng.uniform(25.0, 110.0) * s)
    step = max(2.0, 4.0 * s)
    trunk, angles = _crack_walk(rng, start, rng.uniform(0, 2 * np.pi), length, step)
    pts, t = _densify(trunk)
    radius = np.where((t < 0.55) & (s >= 0.3), 1.0, 0.0)
    parts, radii, fracs = [pts], [radius], [t]
    for _ in range(rng.integers(1, 4)):
        k = int(rng.integers(len(angles) // 5, len(angles)))
        side = rng.choice([-1.0, 1.0])
        theta = angles[k - 1] + side * rng.uniform(0.4, 1.1)
        branch, _ = _crack_walk(rng, trunk[k], theta, rng.uniform(0.25, 0.6) * length, step)
        pts, t = _densify(branch)
        parts.append(pts)
        radii.append(np.zeros(len(pts)))
        fracs.append(0.5 + 0.5 * t)
    pts, radius, frac = np.concatenate(parts), np.concatenate(radii), np.concatenate(fracs)
    strength = -rng.uniform(45.0, 90.0) * (1 - 0.5 * frac)
    return pts, _render_strokes(pts, radius, strength, H, W)


def _particle(rng, centre, s, H, W):
    d_max = 2 + 8 * min(1.0, max(s, 0.4))
    a = (2 + (d_max - 2) * rng.random() ** 2) / 2  # small ones are commoner
    b = a * rng.uniform(0.6, 1.0)
    pad = int(np.ceil(a * 1.2)) + 1
    cy, cx = np.rint(centre).astype(int)
    y0, x0 = max(cy - pad, 0), max(cx - pad, 0)
    dy = np.arange(y0, min(cy + pad + 1, H))[:, None] - centre[0]
    dx = np.arange(x0, min(cx + pad + 1, W))[None, :] - centre[1]
    phi = rng.uniform(0, np.pi)
    u, v = dx * np.cos(phi) + dy * np.sin(phi), -dx * np.sin(phi) + dy * np.cos(phi)
    wobble = 1 + 0.15 * np.sin(int(rng.integers(3, 6)) * np.arctan2(v, u) + rng.uniform(0, 7))
    rho = np.sqrt((u / (a + 0.25)) ** 2 + (v / (b + 0.25)) ** 2) / wobble
    mask = rho <= 1.0
    mask[cy - y0, cx - x0] = True
    sign = rng.choice([-1.0, 1.0], p=[0.6, 0.4])
    offset = np.where(mask, sign * rng.uniform(60.0, 110.0) * (1 - 0.35 * rho**2), 0.0)
    return centre[None], ((y0, x0), mask, offset)


_DRAW = {"scratch": _scratch, "particle": _particle, "crack": _crack}


def add_defects(rng, scene, geometry, classes, n_defects):
    """Draw ``n_defects`` non-touching defects into ``scene`` (in place); return annotations."""
    H, W = scene.shape
    occupied = np.zeros((H, W), bool)
    usable, cy, cx = geometry["usable"], geometry["cy"], geometry["cx"]
    annotations = []
    for _ in range(n_defects):
        name = str(rng.choice(classes))
        for _attempt in range(200):
            rad = geometry["usable_radius"] * np.sqrt(rng.random())
            ang = rng.uniform(0, 2 * np.pi)
            start = np.array([cy + rad * np.sin(ang), cx + rad * np.cos(ang)])
            pts, ((y0, x0), mask, offset) = _DRAW[name](rng, start, geometry["scale"], H, W)
            if np.hypot(pts[:, 0] - cy, pts[:, 1] - cx).max() > geometry["usable_radius"]:
                continue
            window = (slice(y0, y0 + mask.shape[0]), slice(x0, x0 + mask.shape[1]))
            mask = mask & usable[window]
            if mask.any() and not (mask & occupied[window]).any():
                break
        else:
            raise ValueError(
                f"generate_wafers: could not place {n_defects} non-touching defects on a "
                f"{H}x{W} wafer; expected fewer defects (n_defects_range) or a larger "
                f"image_size"
            )
        scene[window] += np.where(mask, offset, 0.0)
        full = np.zeros((H, W), bool)
        full[window] = mask
        occupied |= ndimage.binary_dilation(full, np.ones((3, 3), bool), iterations=GAP)
        ys, xs = np.nonzero(full)
        bbox = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
        annotations.append({"bbox": bbox, "class": name, "mask": full})
    return annotations
