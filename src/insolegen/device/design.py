"""Design a pair of insoles: foot + prescription -> checked meshes for each side (pure; no I/O).

The right device is built in the canonical frame; the left one is its exact mirror image
(y -> -y, faces reversed), so the two devices of one prescription always match. An engraved
label (``device.label``) is each side's own: each side is then meshed with its own letters,
and the two match everywhere but the underside's letters, within the mesh tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from insolegen.device import features
from insolegen.device.context import Context, Points
from insolegen.device.contour import SoleSurface
from insolegen.device.mesh import MeshChecks, PlanMesh, check_mesh, refine_plan, require_valid, solid_from_plan
from insolegen.device.plan import Plan, behind_line, make_plan
from insolegen.device.prescription import MIN_PRINTABLE_THICKNESS_MM, Prescription
from insolegen.device.surface import bottom_surface, make_context, thickness_at, top_surface
from insolegen.device.zones import make_zones
from insolegen.errors import DesignFailed
from insolegen.feet.foot import Foot
from insolegen.geometry.arrays import bounds

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
        return np.array(bounds(self.vertices))


@dataclass(frozen=True)
class Design:
    foot: Foot
    prescription: Prescription
    plan: Plan
    context: Context
    plan_mesh: PlanMesh
    devices: dict[str, Device]
    labels: dict = field(default_factory=dict)     # side -> engrave.Label on its underside (right frame)
    zones: tuple = ()                              # zones.Zone: print zones (right frame), for the 3MF
    zones_info: dict = field(default_factory=dict)
    shoe: object = None                            # shoe.fit.ShoeFit: the sock-liner the outline was cut from
    cover: "Cover | None" = None                   # a top cover: the device with it (what is verified) and its body

    def right_frame_mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """(vertices, faces) of a device in the canonical (right) frame: the right one, else the
        left one mirrored back."""
        if "right" in self.devices:
            return self.devices["right"].vertices, self.devices["right"].faces
        left = self.devices["left"]
        return mirror(left.vertices, left.faces)


@dataclass(frozen=True)
class Cover:
    """A top cover (``cover.*``, right frame): the device with its cover on (one solid, the shape
    the prescription describes, which the verification measures), the cover's own body (its top
    the prescribed top, its bottom the device's lowered top) and its outline (the cutting template)."""
    assembly: tuple[np.ndarray, np.ndarray]
    body: tuple[np.ndarray, np.ndarray]
    outline: np.ndarray


def _refuse_a_cover_too_thick(rx: Prescription, checks: MeshChecks) -> None:
    """Under a cover the device is thinner by its thickness: where that leaves less than the printable
    minimum (a post dips the top below the base at its low side), the cover's field is named."""
    from insolegen.errors import InvalidInput

    thickness = rx.cover.thickness_mm
    if thickness and checks.min_thickness_mm < checks.min_thickness_required_mm:
        most = thickness - (checks.min_thickness_required_mm - checks.min_thickness_mm)
        raise InvalidInput(f"cover.thickness_mm = {thickness:g} leaves {checks.min_thickness_mm:.2f} mm of device at its thinnest, "
                           f"under the printable {checks.min_thickness_required_mm:g} mm: at most {max(most, 0.0):.1f} mm here, or a "
                           "thicker device.base_thickness_mm")


COVER_EDGE_SHARE = 0.15     # a skived cover ends where it is this share of its thickness (a feather edge, not nothing)


def build_cover(plan: Plan, ctx: Context, plan_mesh: PlanMesh) -> Cover:
    """The device with its cover on, on the device's own plan mesh (its top raised back by the
    cover; its bottom, letters and all, the device's), and the cover's body: on that mesh too for a
    full cover, else over the cover's outline (the device's, cut where its skived end thins to
    COVER_EDGE_SHARE of its thickness)."""
    import shapely

    from insolegen.device.features.top_cover import SKIVE_MM, end_distance

    stand = surfaces_for(plan, replace(ctx, rx=features.by_name("top_cover").without(ctx.rx)))
    laid_top, bottom = plan_mesh.values.T
    covered_top = stand(plan_mesh.points)[0]
    assembly = solid_from_plan(plan_mesh, covered_top, bottom)
    end = end_distance(ctx)
    if end is None:
        return Cover(assembly, solid_from_plan(plan_mesh, covered_top, laid_top), plan.outline)
    cut = end - COVER_EDGE_SHARE * SKIVE_MM                    # where the skive has thinned it to the edge's share
    kept = behind_line(shapely.Polygon(plan.outline), ctx.ball_point + cut * ctx.ball_normal, ctx.ball_dir, ctx.ball_normal, ctx.length)
    outline = np.asarray(kept.exterior.coords)[:-1]
    laid = surfaces_for(plan, ctx)
    body_mesh = refine_plan(outline, lambda xy: (stand(xy)[0], laid(xy)[0]))
    top, under = body_mesh.values.T
    return Cover(assembly, solid_from_plan(body_mesh, top, under), outline)


def surfaces_for(plan: Plan, ctx: Context, label=None):
    """xy -> (top, bottom); with ``label`` (engrave.Label) its letters are raised into the bottom."""
    def surfaces(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = Points.of(xy, plan, ctx)
        top = top_surface(p, ctx)
        bottom = bottom_surface(p, ctx, top)
        return top, bottom if label is None else bottom + label.depth(xy)
    return surfaces


def mirror(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return vertices * [1.0, -1.0, 1.0], faces[:, ::-1].copy()


def build_solid(plan: Plan, ctx: Context, label=None):
    """(plan mesh, vertices, faces, checks) of the right device for a plan and context; with
    ``label`` (engrave.Label, in the right frame) debossed into its underside."""
    plan_mesh = refine_plan(plan.outline, surfaces_for(plan, ctx, label), detail=None if label is None else label.needs_detail)
    top, bottom = plan_mesh.values.T     # the surfaces at the points, as refinement left them
    vertices, faces = solid_from_plan(plan_mesh, top, bottom)
    checks = check_mesh(vertices, faces, top - bottom, MIN_PRINTABLE_THICKNESS_MM)
    return plan_mesh, vertices, faces, checks


def make_labels(plan: Plan, ctx: Context, sides: tuple[str, ...], name: str) -> dict:
    """side -> its engrave.Label (``device.label``), drawn in one place in the right frame; {}
    for none. An automatic label with no room for the whole case name is the side letter alone
    (a cut name could read as another case's); a given text is engraved whole or refused."""
    from insolegen.device import engrave

    label = ctx.rx.device.label
    if label == "none":
        return {}
    base = name if label == "auto" else label
    for text in ((base, "") if label == "auto" else (base,)):
        texts = {side: engrave.label_text(text, side).strip() for side in sides}
        found = engrave.find_label_start(list(texts.values()), plan, ctx, MIN_PRINTABLE_THICKNESS_MM)
        if found is not None:
            return {side: engrave.place_label(text, side, *found) for side, text in texts.items()}
    raise DesignFailed(f"device.label: no room for {engrave.label_text(base, sides[0])!r} on the underside at "
                       f"{engrave.LETTER_HEIGHTS_MM[-1]:g} mm letters (clear of offload sites, on the ground, where the "
                       "device is thick enough): give a shorter device.label, or device.label = \"none\"")


def refuse_what_cannot_be_made(ctx: Context) -> None:
    """Each feature's own refusals (a met pad or bar past a three-quarter trim...), all at once."""
    problems = features.refusals(ctx)
    if problems:
        raise DesignFailed("; ".join(problems))


UNEVEN_UNDER_POCKET_MM = 0.3   # the surface a pocket is cut into departs at most this from a plane


def _unevenness(plan: Plan, ctx: Context, site) -> tuple[float, str]:
    """How far the top, without the pockets, departs from a plane over a pocket and a wall's
    width around it (mm), and the feature that departs the most there (its surface field's name)."""
    import shapely

    ring = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    radii = np.arange(2.0, site.radius_mm + ctx.rx.offload.wall_mm + 0.1, 2.0)
    xy = np.vstack([site.xy[None], (site.xy + radii[:, None, None] * np.stack([np.cos(ring), np.sin(ring)], -1)[None]).reshape(-1, 2)])
    xy = xy[shapely.contains_xy(shapely.Polygon(plan.outline), xy[:, 0], xy[:, 1])]
    p = Points.of(xy, plan, ctx)
    a = np.column_stack([np.ones(len(xy)), xy])

    def departure(z):
        coef, *_ = np.linalg.lstsq(a, z, rcond=None)
        return float(np.abs(z - a @ coef).max())
    pockets = features.by_name("offload").field
    worst = {f.name: departure(np.broadcast_to(f.field(p, ctx), p.x.shape).astype(float))
             for f in features.FEATURES if f.field is not pockets}
    return departure(top_surface(p, ctx) - pockets(p, ctx)), max(worst, key=worst.get)


def refuse_pocket_problems(plan: Plan, ctx: Context) -> None:
    """A relief pocket must leave the printable minimum under its floor, and be cut where the top
    is near a plane (it is measured so, against the surface around it): not on the medial arch's
    rise, a pad's dome or a step's edge. The heel's pockets are read in the heel seat's own
    model (cup, post, skive), so there the cup may rise around them. Refused by site name."""
    from insolegen.device.offload import under_heel

    depth = ctx.rx.offload.depth_mm
    ring = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    for site in ctx.offload:
        if not under_heel(site, ctx):
            uneven, feature = _unevenness(plan, ctx, site)
            if uneven > UNEVEN_UNDER_POCKET_MM:
                raise DesignFailed(
                    f"offload site {site.name} ({site.field}) at ({site.xy[0]:.0f}, {site.xy[1]:.0f}) mm: the surface around its pocket is not even "
                    f"(it departs {uneven:.1f} mm from a plane there, most of it from the {feature.replace('_', ' ')}), so no floor "
                    f"of a set depth can be cut and measured; move the site (offload.sites, offload.spots) or change the "
                    f"{feature.replace('_', ' ')} there")
        xy = np.vstack([site.xy, site.xy + 0.5 * site.radius_mm * np.column_stack([np.cos(ring), np.sin(ring)])])
        thickness = float(thickness_at(xy, plan, ctx).min())
        if thickness < MIN_PRINTABLE_THICKNESS_MM - 1e-6:
            room = thickness + depth - MIN_PRINTABLE_THICKNESS_MM
            raise DesignFailed(f"offload site {site.name} ({site.field}): the pocket's floor would be {max(thickness, 0):.1f} mm thick, under the "
                               f"printable minimum {MIN_PRINTABLE_THICKNESS_MM:g} mm: offload.depth_mm = {depth:g} is at most "
                               f"{max(room, 0):.1f} there; make it shallower or the device thicker (device.forefoot_thickness_mm, "
                               "device.base_thickness_mm)")


def design_pair(foot: Foot, prescription: Prescription, sides: tuple[str, ...] = SIDES,
                sole: SoleSurface | None = None, pressure=None, name: str = "case", shoe=None) -> Design:
    """Build and check the devices for ``sides``; with ``sole`` the top follows the scanned
    sole (total contact); ``pressure`` (a PressureMap on this foot) places pressure-driven
    offloading; ``name`` is what ``device.label = "auto"`` engraves; ``shoe`` (shoe.fit.ShoeFit)
    gives the outline: its sock-liner less its allowances. Raises InvalidInput / DesignFailed."""
    plan = make_plan(foot, prescription, None if shoe is None else shoe.inside)
    ctx = make_context(foot, plan, prescription, sole, pressure)
    refuse_what_cannot_be_made(ctx)
    refuse_pocket_problems(plan, ctx)
    zones, zones_info = make_zones(ctx, plan.outline)
    devices = {}
    labels = make_labels(plan, ctx, sides, name)
    if labels:
        # each side's letters are its own, so each side is meshed on its own (the left one's
        # letters drawn mirrored in the right frame, then mirrored with the device)
        for side in sides:
            plan_mesh, vertices, faces, checks = build_solid(plan, ctx, labels[side])
            _refuse_a_cover_too_thick(prescription, checks)
            require_valid(checks, f"the {side} device")
            devices[side] = Device(side, *((vertices, faces) if side == "right" else mirror(vertices, faces)), checks)
        cover = build_cover(plan, ctx, plan_mesh) if prescription.cover.thickness_mm else None
        return Design(foot, prescription, plan, ctx, plan_mesh, devices, labels, tuple(zones), zones_info, shoe, cover)
    plan_mesh, vertices, faces, checks = build_solid(plan, ctx)
    _refuse_a_cover_too_thick(prescription, checks)
    require_valid(checks, "the device")
    for side in sides:
        v, f = (vertices, faces) if side == "right" else mirror(vertices, faces)
        devices[side] = Device(side, v, f, checks)
    cover = build_cover(plan, ctx, plan_mesh) if prescription.cover.thickness_mm else None
    return Design(foot, prescription, plan, ctx, plan_mesh, devices, {}, tuple(zones), zones_info, shoe, cover)
