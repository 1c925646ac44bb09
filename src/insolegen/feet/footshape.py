"""The built-in parametric foot: an anatomically shaped outline for a size and a width class.

The shape is a smooth closed spline through control points (heel, lateral border, 5th
metatarsal head, lesser toes, hallux, 1st metatarsal head, the medial arch border) given as
fractions of foot length L. Its widths are then calibrated on ANSUR II (US Army 2012, 4,082 men
and 1,986 women, ``shared/data/measurements``): the ball width (``footbreadthhorizontal``) is
the 10th / 50th / 90th percentile of ball width / L for narrow / medium / wide, and the heel
breadth (``heelbreadth``) is the regression of heel breadth / L on ball width / L at that point.
``tests/test_footshape.py`` recomputes these numbers from the CSV files.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.feet.foot import Foot, foot_from_points
from insolegen.feet.sizes import foot_length_from_size
from insolegen.geometry.polygon import border_profiles

# (ball width / L, heel breadth / L) per width class, from ANSUR II (see module docstring)
WIDTH_CLASSES = {"narrow": (0.3541, 0.2605), "medium": (0.3759, 0.2691), "wide": (0.3985, 0.2781)}
WIDTH_PERCENTILES = {"narrow": 10, "medium": 50, "wide": 90}

# Right foot, CCW from the heel: (x / L, y / L), +y medial.
_CONTROL = np.array([
    (0.000, 0.000), (0.020, -0.075), (0.070, -0.118), (0.150, -0.135), (0.280, -0.150),
    (0.420, -0.172), (0.550, -0.195), (0.640, -0.210), (0.720, -0.205), (0.800, -0.180),
    (0.860, -0.140), (0.915, -0.090), (0.960, -0.035), (0.985, 0.010), (0.997, 0.060),
    (1.000, 0.090), (0.990, 0.125), (0.950, 0.150), (0.860, 0.160), (0.740, 0.166),
    (0.620, 0.150), (0.500, 0.128), (0.380, 0.118), (0.260, 0.122), (0.150, 0.133),
    (0.070, 0.115), (0.020, 0.072),
])
_SAMPLES = 720


def periodic_cubic_spline(control: np.ndarray, samples: int) -> np.ndarray:
    """``samples`` points, evenly spaced in parameter, on the closed C2 cubic spline through
    ``control`` (n, 2), parameterised by chord length (what scipy's ``splprep(s=0, per=1)``
    gives; written out here because importing scipy.interpolate costs half a second at start-up)."""
    n = len(control)
    chords = np.linalg.norm(np.roll(control, -1, axis=0) - control, axis=1)
    knots = np.concatenate([[0.0], np.cumsum(chords)]) / chords.sum()
    h = np.diff(knots)                                   # h[i]: span from point i to i + 1
    h_prev = np.roll(h, 1)
    # periodic continuity of the first derivative gives the second derivatives m at the points
    a = np.zeros((n, n))
    idx = np.arange(n)
    a[idx, (idx - 1) % n] = h_prev / 6
    a[idx, idx] = (h_prev + h) / 3
    a[idx, (idx + 1) % n] = h / 6
    slope = (np.roll(control, -1, axis=0) - control) / h[:, None]
    m = np.linalg.solve(a, slope - np.roll(slope, 1, axis=0))
    u = np.linspace(0.0, 1.0, samples, endpoint=False)
    i = np.clip(np.searchsorted(knots, u, side="right") - 1, 0, n - 1)
    t0, t1 = u - knots[i], knots[i + 1] - u
    p0, p1 = control[i], control[(i + 1) % n]
    m0, m1 = m[i], m[(i + 1) % n]
    hi = h[i][:, None]
    t0, t1 = t0[:, None], t1[:, None]
    return (m0 * t1 ** 3 + m1 * t0 ** 3) / (6 * hi) + (p0 / hi - m0 * hi / 6) * t1 + (p1 / hi - m1 * hi / 6) * t0


def width_classes_from_ansur(foot_length, ball_width, heel_breadth) -> dict[str, tuple[float, float]]:
    """Recompute WIDTH_CLASSES from ANSUR columns (arrays in mm)."""
    ball, heel = np.asarray(ball_width) / foot_length, np.asarray(heel_breadth) / foot_length
    fit = np.polyfit(ball, heel, 1)
    out = {}
    for name, pct in WIDTH_PERCENTILES.items():
        b = float(np.percentile(ball, pct))
        out[name] = (round(b, 4), round(float(np.polyval(fit, b)), 4))
    return out


@lru_cache(maxsize=None)
def _unit_outline(width: str) -> np.ndarray:
    """The parametric outline for foot length 1 (read-only; shared between calls)."""
    if width not in WIDTH_CLASSES:
        raise InvalidInput(f"width {width!r} is not one of {', '.join(WIDTH_CLASSES)}")
    return _unit_outline_for(*WIDTH_CLASSES[width])


def outline_for_measures(length_mm: float, ball_width_mm: float, heel_width_mm: float) -> np.ndarray:
    """The parametric outline of a foot measured as ANSUR measures it (foot length, horizontal
    foot breadth, heel breadth), right foot, canonical frame, in mm."""
    ratios = (round(ball_width_mm / length_mm, 3), round(heel_width_mm / length_mm, 3))
    return _unit_outline_for(*ratios) * length_mm


@lru_cache(maxsize=256)
def _unit_outline_for(ball_ratio: float, heel_ratio: float) -> np.ndarray:
    pts = periodic_cubic_spline(_CONTROL, _SAMPLES)
    pts[:, 0] -= pts[:, 0].min()
    pts /= pts[:, 0].max()

    # calibrate: scale y so that ball and heel widths hit their ANSUR ratios, blending between
    heel_max, heel_min = border_profiles(pts, np.array([0.15]))
    win = np.linspace(0.5, 0.88, 200)
    wmax, wmin = border_profiles(pts, win)
    ball_now = np.nanmax(wmax) - np.nanmin(wmin)
    heel_now = heel_max[0] - heel_min[0]
    t = np.clip((pts[:, 0] - 0.3) / 0.25, 0.0, 1.0)
    blend = t * t * (3 - 2 * t)
    pts[:, 1] *= (1 - blend) * heel_ratio / heel_now + blend * ball_ratio / ball_now
    pts.flags.writeable = False
    return pts


def outline_for_length(length_mm: float, width: str = "medium") -> np.ndarray:
    """The parametric outline (right foot, canonical frame, CCW, ~1 mm spacing), in mm."""
    return _unit_outline(width) * length_mm


@lru_cache(maxsize=None)
def _canonical_length_per_unit(width: str) -> float:
    """Aligning the foot axis (heel centre to second toe) turns the outline a little, so its
    canonical length is not quite its x extent: the ratio, the same for every size."""
    return foot_from_points(outline_for_length(1000.0, width), side="right").length_mm / 1000.0


def foot_from_size(size: str, width: str = "medium", side: str = "right") -> Foot:
    """A canonical Foot for a shoe size (``EU42``, ``UK8``, ``US9M``, ``US10W``, ``MP270``) and a
    width class (``narrow``, ``medium``, ``wide``: ANSUR II ball width 10th/50th/90th percentile).

    >>> from insolegen import foot_from_size
    >>> foot = foot_from_size("EU42", "wide")
    >>> round(foot.length_mm), round(foot.measures["ball_width"].value / foot.length_mm, 2)   # ANSUR 90th pct
    (265, 0.4)
    """
    length = foot_length_from_size(size)
    pts = outline_for_length(length / _canonical_length_per_unit(width), width)
    if side == "left":
        pts = pts * [1.0, -1.0]
    return foot_from_points(pts, side=side, source=f"parametric foot {size.upper()} {width}")
