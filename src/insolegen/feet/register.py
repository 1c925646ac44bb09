"""A pressure recording put onto the foot a device is designed for.

When the recording is the foot input itself, it is its own frame: the sensors go to the canonical
frame by the foot's own transform. When the foot comes from elsewhere (an outline, a scan, an
image or a size), the recording's footprint is fitted to the foot's outline by a similarity
transform (turn, move and one scale) and the fit is judged:

- the residual is the root mean square distance from the fitted footprint's outline to the foot's
  outline (mm), over the best ``1 - TRIM_SHARE`` of its points. Above ``MAX_RESIDUAL_MM`` the
  recording is not this foot (another person, or a footprint that is not a foot) and is refused
  with the residual;
- the scale must lie within ``SCALE_RANGE``: a footprint much larger or smaller than the foot is a
  wrong ``--pitch-mm`` (or another person), refused with the pitch that would match;
- a recording of the other foot fits far better mirrored: refused, naming the side it shows.

The fit is iterated closest points (each footprint point to its nearest on the foot's outline)
with the closed-form similarity of Umeyama (1991, IEEE PAMI 13:376) at each step, from the two
feet's canonical frames as the start, trimming the worst quarter of the pairs (``TRIM_SHARE``): a
loaded footprint lacks parts of the foot's border (toes that did not press, the medial arch's edge).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.polygon import resample

MAX_RESIDUAL_MM = 6.0            # a footprint further than this (RMS) from the foot's outline is not this foot
SCALE_RANGE = (0.90, 1.10)       # the footprint's size over the foot's: beyond, the pitch (or the person) is wrong
OTHER_SIDE_RATIO = 0.7           # mirrored this much better: the recording shows the other foot
TRIM_SHARE = 0.25                # the worst pairs left out of each step, and of the residual
FIT_SPACING_MM = 2.0
ITERATIONS = 60


@dataclass(frozen=True)
class Similarity:
    """canonical footprint (x, y) -> the foot's canonical frame: s R p + t."""
    scale: float
    rotation: np.ndarray          # (2, 2)
    shift: np.ndarray             # (2,)

    def apply(self, xy: np.ndarray) -> np.ndarray:
        return self.scale * np.asarray(xy, float) @ self.rotation.T + self.shift

    @property
    def turn_deg(self) -> float:
        return float(np.degrees(np.arctan2(self.rotation[1, 0], self.rotation[0, 0])))


def _umeyama(src: np.ndarray, dst: np.ndarray) -> Similarity:
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    cov = b.T @ a / len(src)
    u, d, vt = np.linalg.svd(cov)
    e = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rot = u @ e @ vt
    scale = float(np.trace(np.diag(d) @ e) / (a ** 2).sum(axis=1).mean())
    return Similarity(scale, rot, mu_d - scale * rot @ mu_s)


def fit_outline(moving: np.ndarray, fixed: np.ndarray) -> tuple[Similarity, float]:
    """The similarity taking the outline ``moving`` onto ``fixed`` (both (n, 2) mm, roughly aligned)
    and the residual: RMS distance of the moved points to ``fixed``'s outline (mm), the worst
    ``TRIM_SHARE`` of them left out."""
    from scipy.spatial import cKDTree

    src = resample(moving, FIT_SPACING_MM)
    tree = cKDTree(resample(fixed, 0.25))
    fit = Similarity(1.0, np.eye(2), np.zeros(2))
    for _ in range(ITERATIONS):
        moved = fit.apply(src)
        dist, idx = tree.query(moved)
        keep = dist <= np.quantile(dist, 1.0 - TRIM_SHARE)
        step = _umeyama(src[keep], tree.data[idx[keep]])
        done = np.abs(step.apply(src) - moved).max() < 1e-3
        fit = step
        if done:
            break
    dist, _ = tree.query(fit.apply(src))
    dist = np.sort(dist)[:int(np.ceil((1.0 - TRIM_SHARE) * len(dist)))]
    return fit, float(np.sqrt(np.mean(dist ** 2)))


@dataclass(frozen=True)
class Registration:
    how: str
    residual_mm: float
    scale: float
    turn_deg: float
    shift_mm: tuple[float, float]
    as_other_side_mm: float | None = None

    def as_dict(self) -> dict:
        out = {"how": self.how, "residual_mm": round(self.residual_mm, 2), "scale": round(self.scale, 4),
               "turn_deg": round(self.turn_deg, 2), "shift_mm": [round(v, 2) for v in self.shift_mm],
               "frame": "the fit after both outlines are put heel to toe (their canonical frames)",
               "residual_limit_mm": MAX_RESIDUAL_MM, "scale_range": list(SCALE_RANGE)}
        if self.as_other_side_mm is not None:
            out["residual_as_other_side_mm"] = round(self.as_other_side_mm, 2)
        return out


def register_footprint(footprint_outline: np.ndarray, foot, source: str, pitch_mm: float):
    """(a function plate (x, y) -> the foot's canonical frame, the Registration) for a recording
    whose footprint's outline (plate mm, seen from above) is ``footprint_outline``. Refuses a
    recording that does not fit the foot (see the module's text)."""
    from insolegen.feet.foot import foot_from_points

    other = "left" if foot.side == "right" else "right"
    fits = {}
    for side in (foot.side, other):
        own = foot_from_points(footprint_outline, side=side, source=source)
        fit, residual = fit_outline(own.outline, foot.outline)
        fits[side] = (own, fit, residual)
    own, fit, residual = fits[foot.side]
    mirrored = fits[other][2]
    said = (f"{source} against the {foot.side} foot of {foot.source}: residual {residual:.1f} mm RMS "
            f"(at most {MAX_RESIDUAL_MM:g}), scale {fit.scale:.3f}")
    if mirrored < OTHER_SIDE_RATIO * residual and mirrored <= MAX_RESIDUAL_MM:
        raise InvalidInput(f"{said}: the recording shows a {other} foot (residual {mirrored:.1f} mm as the {other} foot); "
                           f"give the {other} foot's recording, or design the {other} side from it")
    if residual > MAX_RESIDUAL_MM:
        raise InvalidInput(f"{said}: the footprint does not match the foot's outline (another person, another foot, "
                           "or a wrong --pitch-mm?)")
    if not SCALE_RANGE[0] <= fit.scale <= SCALE_RANGE[1]:
        raise InvalidInput(f"{said}, outside {SCALE_RANGE[0]:g} … {SCALE_RANGE[1]:g}: the footprint is {fit.scale:.0%} of the foot's "
                           f"size; is --pitch-mm {pitch_mm:g} right? (--pitch-mm {pitch_mm * fit.scale:.2f} would match the foot)")
    registration = Registration(f"footprint outline fitted to the foot's outline (similarity: turn, move, scale; "
                                f"iterated closest points, worst {TRIM_SHARE:.0%} of pairs trimmed)",
                                residual, fit.scale, fit.turn_deg, tuple(float(v) for v in fit.shift), mirrored)
    return (lambda xy: fit.apply(own.to_canonical(xy))), registration
