"""A synthetic 1-bit picture of a Valais Blacknose sheep, drawn in code (for Fig. 11).

Fig. 11 of Kulikov et al. (2024) one-time pads a photograph of a Valais
Blacknose sheep with extracted bits.  We ship no image files: this module
draws a simple silhouette (white woolly body with a black outline, black face,
ears and legs, on a white field with a black ground line) from ellipses and
rectangles, deterministically, at any size.  Pixel value 1 = white, 0 = black
(the convention of Fig. 10).

>>> img = sheep(96, 72)
>>> img.shape, img.dtype.name, sorted(set(img.ravel().tolist()))
((72, 96), 'uint8', [0, 1])
>>> bool((sheep(96, 72) == img).all())  # deterministic
True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError

Bits2D = npt.NDArray[np.uint8]


def _ellipse(xx: npt.NDArray[np.float64], yy: npt.NDArray[np.float64], cx: float, cy: float,
             a: float, b: float) -> npt.NDArray[np.bool_]:
    return ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2 <= 1.0


def _dilate(mask: npt.NDArray[np.bool_], r: int) -> npt.NDArray[np.bool_]:
    out = mask.copy()
    h, w = mask.shape
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy > r * r:
                continue
            shifted = np.zeros_like(mask)
            ys = slice(max(dy, 0), h + min(dy, 0))
            yd = slice(max(-dy, 0), h + min(-dy, 0))
            xs = slice(max(dx, 0), w + min(dx, 0))
            xd = slice(max(-dx, 0), w + min(-dx, 0))
            shifted[ys, xs] = mask[yd, xd]
            out |= shifted
    return out


def sheep(width: int = 128, height: int = 96) -> Bits2D:
    """The sheep as a (height, width) uint8 array of 0/1 (1 = white), row by row.

    Coordinates are fractions of the picture, so every size shows the same scene.
    """
    if width < 16 or height < 12:
        raise InputError("size", "must be at least 16 x 12 pixels", f"got {width} x {height}")
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    xx = xx / width
    yy = yy / height
    # body: an ellipse with a scalloped (woolly) edge of small circles
    body = _ellipse(xx, yy, 0.48, 0.50, 0.27, 0.20)
    for k in range(18):
        t = 2 * np.pi * k / 18
        body |= _ellipse(xx, yy, 0.48 + 0.25 * np.cos(t), 0.50 + 0.18 * np.sin(t), 0.045, 0.06)
    legs = np.zeros_like(body)
    for x0 in (0.30, 0.38, 0.56, 0.64):
        legs |= (xx >= x0) & (xx <= x0 + 0.035) & (yy >= 0.62) & (yy <= 0.88)
    head = _ellipse(xx, yy, 0.80, 0.40, 0.085, 0.12)
    ears = _ellipse(xx, yy, 0.74, 0.28, 0.06, 0.03) | _ellipse(xx, yy, 0.88, 0.28, 0.06, 0.03)
    eye = _ellipse(xx, yy, 0.83, 0.37, 0.012, 0.016)
    ground = (yy >= 0.88) & (yy <= 0.90)
    r = max(1, round(min(width, height) / 64))
    outline = _dilate(body, r) & ~body
    black = outline | (legs & ~body) | head | ears | ground
    img = np.where(black, 0, 1).astype(np.uint8)
    img[eye] = 1
    return img
