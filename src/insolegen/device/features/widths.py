"""A lab's widths (``device.widening`` shapes the outline): the lateral and the medial heel
expansion and the shell width. They move the device's edge, not its top; each is read on the
mesh as how far its edge stands beyond the outline without the widths: the mesh cut across at
the heel seat (the expansions) or the middle of the shell's stretch (the shell width)."""
from __future__ import annotations

import numpy as np

from insolegen.device import rises, widening
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.polygon import border_profiles


def _no_top(p: Points, c: Context):
    return absent(p)


def _stations(c: Context) -> dict[str, float]:
    return {"heel": c.back_x + widening.SEAT_STATION * c.length,
            "shell": widening.shell_station(c.back_x, c.length, float(c.ball_point[0]))}


def _edges_moved(probe: rises.Probe, x: float) -> tuple[float, float]:
    """(how far the mesh's lateral edge, and its medial edge, stand beyond the outline without
    the widths) at ``x``: the mesh cut by the plane x = const."""
    import trimesh

    mesh = trimesh.Trimesh(probe.vertices, probe.faces, process=False)
    cut = trimesh.intersections.mesh_plane(mesh, [1.0, 0.0, 0.0], [x, 0.0, 0.0])
    if not len(cut):
        return float("nan"), float("nan")
    ys = cut[:, :, 1]
    before_max, before_min = border_profiles(probe.plan.before_widening, np.array([x]))
    return float(before_min[0] - ys.min()), float(ys.max() - before_max[0])


def _heel_expansion(side: str) -> Feature:
    name, quantity = f"heel_expansion_{side}", f"heel_expansion_{side}_mm"

    def made(rx, plan, station: float) -> float:
        if side == "medial":
            return rx.heel_expansion.medial_mm
        before_max, before_min = border_profiles(plan.before_widening, np.array([station]))
        return widening.lateral_expansion(rx, float(before_max[0] - before_min[0]))

    def place(c: Context) -> dict:
        he = c.rx.heel_expansion
        if not (he.medial_mm if side == "medial" else (he.lateral_mm or he.lateral_pct)):
            return {}
        given = {"pct": he.lateral_pct} if side == "lateral" and he.lateral_pct is not None else {"mm": getattr(he, f"{side}_mm")}
        return {name: {**given, "station_x": round(_stations(c)["heel"], 2)}}

    def words(rx) -> str | None:
        he = rx["heel_expansion"]
        if side == "lateral" and he.get("lateral_pct"):
            return f"{he['lateral_pct']:g} % of the heel's width"
        amount = he[f"{side}_mm"]
        return mm(amount) if amount else None

    def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
        lateral, medial = _edges_moved(probe, _stations(probe.context)["heel"])
        return {quantity: lateral if side == "lateral" else medial}

    def checks(r: Reading):
        he = r.rx.heel_expansion
        if not (he.medial_mm if side == "medial" else (he.lateral_mm or he.lateral_pct)):
            return []
        return [r.compare(quantity, made(r.rx, r.design.plan, _stations(r.ctx)["heel"]), r.rises.get(quantity))]

    return Feature(name=name, label=f"{side.capitalize()} heel expansion", field=_no_top, amount=f"heel_expansion.{side}_mm",
                   alternative="heel_expansion.lateral_pct" if side == "lateral" else None, place=place, words=words,
                   checks=checks, tolerances={quantity: 0.5}, names={quantity: f"{side} heel expansion"}, rise=rise)


def _shell_place(c: Context) -> dict:
    if not c.rx.device.shell_width_mm:
        return {}
    return {"shell_width": {"mm": c.rx.device.shell_width_mm, "station_x": round(_stations(c)["shell"], 2)}}


def _shell_words(rx) -> str | None:
    change = rx["device"].get("shell_width_mm") or 0.0
    if not change:
        return None
    return f"{mm(abs(change))} {'wider' if change > 0 else 'narrower'} across the midfoot and the ball"


def _shell_rise(probe: rises.Probe, scanned_sole: bool) -> dict:
    lateral, medial = _edges_moved(probe, _stations(probe.context)["shell"])
    return {"shell_width_change_mm": lateral + medial}


def _shell_checks(r: Reading):
    change = r.rx.device.shell_width_mm
    return [r.compare("shell_width_change_mm", change, r.rises.get("shell_width_change_mm"))] if change else []


LATERAL_EXPANSION = _heel_expansion("lateral")
MEDIAL_EXPANSION = _heel_expansion("medial")
SHELL_WIDTH = Feature(name="shell_width", label="Shell width", field=_no_top, amount="device.shell_width_mm", place=_shell_place,
                      words=_shell_words, checks=_shell_checks, tolerances={"shell_width_change_mm": 0.5},
                      names={"shell_width_change_mm": "shell width change"}, rise=_shell_rise)
