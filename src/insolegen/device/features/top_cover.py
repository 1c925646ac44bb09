"""A top cover: the device's top lowered by the cover's thickness wherever the cover lies (the
whole top, to the toe sulcus, or to just behind the metatarsal heads, its end skived to nothing
over SKIVE_MM), so that device plus cover stands where the prescription says. Everything else is
solved and checked on the device with its cover (``design.Cover``): this is read on the device's
own mesh as how far its top stands below the same device without the cover."""
from __future__ import annotations

import numpy as np

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.device.plan import SULCUS_BEYOND_BALL, THREE_QUARTER_BEHIND_BALL
from insolegen.geometry.ramps import ramp_down

SKIVE_MM = 8.0          # a sulcus or met cover's end thins to nothing over this
READ_CLEAR_MM = 3.0     # the recess is read this far inside the device's edge and before the skive


def end_distance(c: Context) -> float | None:
    """Where the cover ends, as a signed distance from the ball line (+ distal); None: it covers all."""
    length = c.rx.cover.length
    if length == "full":
        return None
    return SULCUS_BEYOND_BALL * c.length if length == "sulcus" else -THREE_QUARTER_BEHIND_BALL * c.length


def coverage(p: Points, c: Context) -> np.ndarray:
    """1 where the cover lies whole, falling to 0 over its skived end."""
    end = end_distance(c)
    if end is None:
        return np.ones_like(p.x)
    return ramp_down(c.ball_distance(p), end - SKIVE_MM, end)


def field(p: Points, c: Context):
    if not c.rx.cover.thickness_mm:
        return absent(p)
    return -c.rx.cover.thickness_mm * coverage(p, c)


def place(c: Context) -> dict:
    cover = c.rx.cover
    if not cover.thickness_mm:
        return {}
    end = end_distance(c)
    return {"top_cover": {"thickness_mm": cover.thickness_mm, "material": cover.material, "length": cover.length,
                          "ends_behind_ball_mm": None if end is None else round(-end, 2), "skive_mm": SKIVE_MM}}


def words(rx) -> str | None:
    cover = rx.get("cover") or {}
    if not cover.get("thickness_mm"):
        return None
    printed = ", printed with the device" if cover.get("body") == "3mf" else ""
    return f"{mm(cover['thickness_mm'])} {cover['material']}, {cover['length'].replace('met', 'to the met heads')}{printed}"


def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
    """The recess under the cover: the device's top (its mesh) below the same device without the
    cover, over where the cover lies whole, clear of the edge; its two extremes."""
    c, plan = probe.context, probe.plan
    gx, gy, drop = probe.rise("cover.thickness_mm")
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    whole = np.isfinite(drop.ravel())
    at = Points.of(xy[whole], plan, c)
    inside = (coverage(at, c) >= 1.0) & (plan.distance_to_edge(xy[whole]) > READ_CLEAR_MM)
    recess = -drop.ravel()[whole][inside]
    if not len(recess):
        return {}
    return {"cover_recess_min_mm": float(recess.min()), "cover_recess_max_mm": float(recess.max())}


def checks(r: Reading):
    thickness = r.rx.cover.thickness_mm
    if not thickness:
        return []
    return [r.compare(q, thickness, r.rises.get(q)) for q in ("cover_recess_min_mm", "cover_recess_max_mm")]


FEATURE = Feature(
    name="top_cover", label="Top cover", field=field, amount="cover.thickness_mm", place=place, words=words, checks=checks,
    tolerances={"cover_recess_min_mm": 0.2, "cover_recess_max_mm": 0.2},
    names={"cover_recess_min_mm": "recess under the cover (least)", "cover_recess_max_mm": "recess under the cover (most)"},
    rise=rise,
)
