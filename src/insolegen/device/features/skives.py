"""The heel skives: a Kirby medial heel skive (an extra varus wedge medial of a crease at the
heel's centre line, its depth higher at the heel's medial edge) and a lateral heel skive (the
valgus wedge lateral of it). Either is given as its depth at the heel's edge or as its angle: how
much more steeply the seat rises beyond the crease, the depth then being what that angle makes
over the crease-to-edge span on top of the rearfoot post.

`measure` reads the heel seat as a plane with one crease; which side of the crease is the skive
it cannot tell from the shape (a lateral skive on a level seat is a medial one on a valgus seat).
The checks say which: under a lateral skive the post is the seat's tilt medial of the crease and
the wedge is read at the lateral edge."""
from __future__ import annotations

import numpy as np

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.ramps import ramp_down

SKIVE_SMOOTHING = 0.1


def _fades(c: Context) -> tuple[float, float]:
    return c.heel[0] + 0.08 * c.length, c.heel[0] + 0.2 * c.length


def span(c: Context, side: str) -> float:
    """From the crease (the heel's centre line) to the heel's edge on the skive's side (mm)."""
    return float(c.rear_y[1] - c.heel[1]) if side == "medial" else float(c.heel[1] - c.rear_y[0])


def depth(c: Context, side: str) -> float:
    """The skive's depth at the heel's edge: as prescribed, or made by its angle on top of the post
    (+ varus): tan(post + angle) - tan(post) over the span medially, mirrored laterally."""
    skive = getattr(c.rx, f"{side}_skive")
    if skive.angle_deg is None:
        return skive.depth_mm
    post, angle = np.radians(c.rx.rearfoot_post.angle_deg), np.radians(skive.angle_deg)
    slope = np.tan(post + angle) - np.tan(post) if side == "medial" else np.tan(post) - np.tan(post - angle)
    return float(span(c, side) * slope)


def _made(rx, side: str) -> bool:
    skive = getattr(rx, f"{side}_skive")
    return bool(skive.depth_mm or skive.angle_deg)


def _field(side: str):
    def field(p: Points, c: Context):
        if not _made(c.rx, side):
            return absent(p)
        across = (p.y - c.heel[1]) if side == "medial" else (c.heel[1] - p.y)
        t = across / span(c, side)
        e = SKIVE_SMOOTHING
        wedge = np.where(t < e, np.clip(t, 0, None) ** 2 / (2 * e), t - e / 2) / (1 - e / 2)
        along = ramp_down(p.x, *_fades(c))
        return depth(c, side) * wedge * along
    return field


def _skive(side: str) -> Feature:
    name = f"{side}_skive"

    def place(c: Context) -> dict:
        skive = getattr(c.rx, name)
        if not _made(c.rx, side):
            return {}
        full_to, gone_by = _fades(c)
        return {name: {"depth_mm": round(depth(c, side), 3), "angle_deg": skive.angle_deg, "crease_y": round(float(c.heel[1]), 2),
                       "full_to_x": round(float(full_to), 2), "gone_by_x": round(float(gone_by), 2)}}

    def words(rx) -> str | None:
        skive = rx[name]
        kind = " (Kirby)" if side == "medial" else ""
        if skive.get("angle_deg"):
            return f"{skive['angle_deg']:g}°{kind}"
        return f"{mm(skive['depth_mm'])}{kind}" if skive["depth_mm"] else None

    def checks(r: Reading):
        lateral = r.lateral_skive
        if side == "lateral":
            if not lateral:
                return []
            made = depth(r.ctx, side)
            found = [r.check("lateral_skive_depth_mm", r.added("lateral_skive_depth_mm", made), amount=made)]
            if r.rx.lateral_skive.angle_deg is not None and r.reference is None:
                found.append(r.check("lateral_skive_deg", r.rx.lateral_skive.angle_deg))
            return found
        if lateral:
            return [r.check("medial_skive_depth_mm", 0.0, "not compared: a lateral skive's crease reads here too (its wedge "
                            "is read at the lateral edge)")]
        made = depth(r.ctx, side)
        found = [r.check("medial_skive_depth_mm", r.added("medial_skive_depth_mm", made), amount=made)]
        if r.rx.medial_skive.angle_deg is not None and r.reference is None:
            found.append(r.check("medial_skive_deg", r.rx.medial_skive.angle_deg))
        return found

    return Feature(
        name=name, label=f"{side.capitalize()} heel skive", field=_field(side), amount=f"{name}.depth_mm",
        alternative=f"{name}.angle_deg", place=place, words=words, checks=checks,
        tolerances={f"{side}_skive_depth_mm": 0.5, f"{side}_skive_deg": 1.0}, on_sole=True,
    )


MEDIAL = _skive("medial")
LATERAL = _skive("lateral")
