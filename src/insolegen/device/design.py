"""Design a pair of insoles: foot + prescription -> checked meshes for each side (pure; no I/O).

The right device is built in the canonical frame; the left one is its exact mirror image
(y -> -y, faces reversed), so the two devices of one prescription always match.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.device.contour import SoleSurface
from insolegen.device.mesh import MeshChecks, PlanMesh, check_mesh, refine_plan, require_valid, solid_from_plan
from insolegen.device.plan import THREE_QUARTER_BEHIND_BALL, Plan, make_plan
from insolegen.device.prescription import MIN_PRINTABLE_THICKNESS_MM, Prescription
from insolegen.device.surface import Context, Points, bottom_surface, make_context, top_surface
from insolegen.errors import DesignFailed
from insolegen.feet.foot import Foot

SIDES = ("left", "right")


@dataclass(frozen=True)
class Device:
    """One insole: vertices (n, 3) in mm, faces (m, 3), in the exported frame of its side
    (heel at x = 0, toes toward +x, ground z = 0; medial is +y on the right, -y on the left)."""
    side: str
    vertices: np.ndarray
    faces: np.ndarray
    checks: MeshChecks

    @property
    def bounds(self) -> np.ndarray:
        return np.array([self.vertices.min(axis=0), self.vertices.max(axis=0)])


@dataclass(frozen=True)
class Design:
    foot: Foot
    prescription: Prescription
    plan: Plan
    context: Context
    plan_mesh: PlanMesh
    devices: dict[str, Device]

    def right_frame_mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """(vertices, faces) of a device in the canonical (right) frame: the right one, else the
        left one mirrored back."""
        if "right" in self.devices:
            return self.devices["right"].vertices, self.devices["right"].faces
        left = self.devices["left"]
        return mirror(left.vertices, left.faces)


def surfaces_for(plan: Plan, ctx: Context):
    def surfaces(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = Points.of(xy, plan, ctx)
        top = top_surface(p, ctx)
        return top, bottom_surface(p, ctx, top)
    return surfaces


def mirror(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return vertices * [1.0, -1.0, 1.0], faces[:, ::-1].copy()


def build_solid(plan: Plan, ctx: Context):
    """(plan mesh, vertices, faces, checks) of the right device for a plan and context."""
    plan_mesh = refine_plan(plan.outline, surfaces_for(plan, ctx))
    top, bottom = plan_mesh.values.T     # the surfaces at the points, as refinement left them
    vertices, faces = solid_from_plan(plan_mesh, top, bottom)
    checks = check_mesh(vertices, faces, top - bottom, MIN_PRINTABLE_THICKNESS_MM)
    return plan_mesh, vertices, faces, checks


ON_DEVICE_MM = 5.0   # a pad's or a bar's top stands at least this far inside a three-quarter trim


def refuse_features_past_the_trim(ctx: Context) -> None:
    """A three-quarter device ends 5 % of the foot length behind the ball line. A met pad or a met
    bar whose top lies past that line would be cut through: neither felt nor measurable as
    prescribed. Refused, naming the offset that would keep it on the device."""
    rx = ctx.rx
    if rx.device.length != "three_quarter":
        return
    trim = THREE_QUARTER_BEHIND_BALL * ctx.length                   # mm behind the ball line
    problems = []
    if rx.met_pad.height_mm:
        centre = ctx.pad_centre
        behind = -((centre[0] - ctx.ball_point[0]) * ctx.ball_normal[0] + (centre[1] - ctx.ball_point[1]) * ctx.ball_normal[1])
        if behind < trim + ON_DEVICE_MM:
            problems.append(f"met_pad.offset_mm = {rx.met_pad.offset_mm:g} puts the pad's top {behind:.0f} mm behind the ball "
                            f"line, past the three-quarter trim ({trim:.0f} mm behind it): give met_pad.offset_mm of at least "
                            f"{rx.met_pad.offset_mm + trim + ON_DEVICE_MM - behind:.0f}, or device.length = sulcus")
    if rx.met_bar.height_mm and rx.met_bar.offset_mm < trim + ON_DEVICE_MM:
        problems.append(f"met_bar.offset_mm = {rx.met_bar.offset_mm:g} puts the bar's crest past the three-quarter trim "
                        f"({trim:.0f} mm behind the ball line): give met_bar.offset_mm of at least {trim + ON_DEVICE_MM:.0f}, "
                        "or device.length = sulcus")
    if problems:
        raise DesignFailed("the three-quarter device would cut its forefoot features: " + "; ".join(problems))


def refuse_thin_pockets(plan: Plan, ctx: Context) -> None:
    """A relief pocket must leave the printable minimum under its floor: refused by site name,
    with the deepest pocket that would."""
    depth = ctx.rx.offload.depth_mm
    for site in ctx.offload:
        ring = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        xy = np.vstack([site.xy, site.xy + 0.5 * site.radius_mm * np.column_stack([np.cos(ring), np.sin(ring)])])
        p = Points.of(xy, plan, ctx)
        thickness = float((top_surface(p, ctx) - bottom_surface(p, ctx)).min())
        if thickness < MIN_PRINTABLE_THICKNESS_MM - 1e-6:
            room = thickness + depth - MIN_PRINTABLE_THICKNESS_MM
            raise DesignFailed(f"offload site {site.name}: the pocket's floor would be {max(thickness, 0):.1f} mm thick, under the "
                               f"printable minimum {MIN_PRINTABLE_THICKNESS_MM:g} mm: offload.depth_mm = {depth:g} is at most "
                               f"{max(room, 0):.1f} there; make it shallower or the device thicker (device.forefoot_thickness_mm, "
                               "device.base_thickness_mm)")


def design_pair(foot: Foot, prescription: Prescription, sides: tuple[str, ...] = SIDES,
                sole: SoleSurface | None = None, pressure=None) -> Design:
    """Build and check the devices for ``sides``; with ``sole`` the top follows the scanned
    sole (total contact); ``pressure`` (a PressureMap on this foot) places pressure-driven
    offloading. Raises InvalidInput / DesignFailed."""
    plan = make_plan(foot, prescription)
    ctx = make_context(foot, plan, prescription, sole, pressure)
    refuse_features_past_the_trim(ctx)
    refuse_thin_pockets(plan, ctx)
    devices = {}
    plan_mesh, vertices, faces, checks = build_solid(plan, ctx)
    require_valid(checks, "the device")
    for side in sides:
        v, f = (vertices, faces) if side == "right" else mirror(vertices, faces)
        devices[side] = Device(side, v, f, checks)
    return Design(foot, prescription, plan, ctx, plan_mesh, devices)
