"""Prescribed beside measured. Every device is measured by ``insolegen.measure`` (the
independent oracle, which reads the mesh alone) and each prescribed quantity is compared with
its measurement within the tolerance below. A miss is a ``DesignFailed``: the device is not
written. A feature that rides on a surface other features also shape (a met bar, a lateral arch,
a flange, a met pad standing on a bar) is compared as what it adds: the device against the same
device made without it (``device.rises``). Only a quantity a device cannot have (the forefoot
plate of a three-quarter device) is recorded as measured but not compared, with why.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from insolegen.device.design import Design
from insolegen.device.offload import HEEL_REGION_OF_LENGTH as HEEL_POCKET_REGION  # a pocket behind this is the heel's
from insolegen.device.offload import under_heel
from insolegen.device.surface import pocket_wall_mm
from insolegen.errors import DesignFailed

TOLERANCES = {
    "first_ray_step_mm": 0.3, "met_bar_rise_mm": 0.5, "met_bar_off_place_mm": 2.0, "lateral_arch_rise_mm": 0.5,
    "medial_flange_rise_mm": 0.5, "lateral_flange_rise_mm": 0.5,
    "arch_apex_height_mm": 0.5, "heel_cup_depth_mm": 1.0, "rearfoot_post_deg": 0.5,
    "medial_skive_depth_mm": 0.5, "heel_pocket_depth_mm": 0.2, "heel_pocket_half_depth_diameter_mm": 1.5,
    "heel_pocket_off_place_mm": 2.0,
    "forefoot_post_deg": 0.5, "met_pad_height_mm": 0.5, "heel_seat_height_mm": 0.2,
    "forefoot_thickness_mm": 0.2, "length_mm": 0.5, "width_mm": 0.5,
    "offload_depth_mm": 0.2, "offload_off_place_mm": 3.0, "label_depth_mm": 0.05, "label_clear_mm": 0.05,
}


TOTAL_CONTACT_RULE = (
    "A total-contact device's top follows the scanned sole, so its heel and forefoot already stand at the scan's own "
    "tilt and cup. The prescribed posts, cup, skive, lift and accommodations are added to that shape: the device must "
    "measure the scan's value plus the prescribed amount (posts add as slopes). The scan governs the shape the foot "
    "already has; the prescription governs only what is added to it.")


@dataclass(frozen=True)
class Check:
    quantity: str
    prescribed: float | None
    measured: float | None
    tolerance: float
    note: str = ""
    # on a total-contact device: the prescription's own amount and the scanned sole's value, which
    # together make ``prescribed`` (what the device must measure)
    rx_amount: float | None = None
    from_scan: float | None = None

    @property
    def compared(self) -> bool:
        return self.prescribed is not None and not self.note

    @property
    def ok(self) -> bool:
        return not self.compared or (self.measured is not None and abs(self.measured - self.prescribed) <= self.tolerance)

    def as_dict(self) -> dict:
        r = (lambda v: None if v is None else round(float(v), 3))
        return {"quantity": self.quantity, "prescribed": r(self.prescribed), "measured": r(self.measured),
                "tolerance": self.tolerance, "compared": self.compared, "ok": self.ok, **({"note": self.note} if self.note else {}),
                **({"rx_amount": r(self.rx_amount), "from_scan": r(self.from_scan)} if self.from_scan is not None else {})}


def _outline_extents(outline: np.ndarray, frame_axes: np.ndarray) -> tuple[float, float]:
    """The device outline's length and width along the axes the measurement found."""
    return float(np.ptp(outline @ frame_axes[0, :2])), float(np.ptp(outline @ frame_axes[1, :2]))


def _device_from_foot(design: Design) -> np.ndarray:
    """The outline the device should have, from the foot it was made for: the foot's outline
    grown by device.outline_offset_mm (a full-length device), trimmed as device.length says
    (the trim rule of ``plan.device_outline``). Not the plan's outline: a device made from a wrong
    outline must fail its length and width."""
    import shapely

    from insolegen.device.plan import device_outline

    rx = design.prescription
    if rx.device.length != "full":
        return device_outline(design.foot, rx)
    grown = shapely.Polygon(design.foot.outline).buffer(rx.device.outline_offset_mm, quad_segs=32)
    return np.asarray(grown.exterior.coords)


def _pocket_off_place(design: Design, side: str, measured: dict, frame) -> float | None:
    """How far the pocket found on the mesh lies from where the design put it (mm)."""
    if measured.get("heel_pocket_x_mm") is None:
        return None
    px, py = design.context.pocket_centre
    ex, ey, _ = frame.to_frame(np.array([px, -py if side == "left" else py, 0.0]))
    return float(np.hypot(measured["heel_pocket_x_mm"] - ex, measured["heel_pocket_y_mm"] - frame.medial_sign * ey))


def expected_checks(design: Design, side: str, measured: dict, frame,
                    reference: dict | None = None, rises: dict | None = None) -> list[Check]:
    """``reference``: with a scanned-sole contour, the measurements of the same device without
    the prescribed heel lift, cup, posts, skive, pocket, pad and first-ray features (the scanned
    sole has its own heel curve and tilt, so each is checked as what it adds to the sole).
    ``rises``: what the met bar, lateral arch, flanges and (on a scanned sole) the met pad add to
    the device (``device.rises``)."""
    rx, ctx = design.prescription, design.context
    ref = reference or {}

    def added(q, amount):
        return amount if ref.get(q) is None else amount + ref[q]

    def tilted(q, angle):
        if ref.get(q) is None:
            return angle
        return float(np.degrees(np.arctan(np.tan(np.radians(ref[q])) + np.tan(np.radians(angle)))))

    acc = rx.accommodations
    # from the prescription, not the measurement: a plate the measure failed to find must refuse
    has_plate = rx.device.length != "three_quarter"
    outline = _device_from_foot(design) * ([1.0, -1.0] if side == "left" else [1.0, 1.0])
    length, width = _outline_extents(outline, frame.axes)
    plate = "" if has_plate else "not compared: the device has no forefoot plate (it ends at the ball)"
    rises = rises or {}

    # what the prescription adds where a scanned sole has a value of its own
    amounts = {"heel_cup_depth_mm": rx.heel_cup.depth_mm, "rearfoot_post_deg": rx.rearfoot_post.angle_deg,
               "heel_seat_height_mm": rx.heel_lift.height_mm, "medial_skive_depth_mm": rx.medial_skive.depth_mm,
               "heel_pocket_depth_mm": acc.heel_spur_pocket_mm or _heel_offload_depth(design),
               "forefoot_post_deg": rx.forefoot_post.angle_deg,
               # the lesser rays' plate, at the post's pivot: a reverse Morton's raises it
               "forefoot_thickness_mm": acc.reverse_mortons_mm,
               "first_ray_step_mm": acc.mortons_extension_mm - acc.first_ray_cutout_mm - acc.reverse_mortons_mm}

    def c(q, prescribed, note=""):
        split = {"rx_amount": amounts[q], "from_scan": ref[q]} if q in amounts and ref.get(q) is not None else {}
        return Check(q, prescribed, measured.get(q), TOLERANCES[q], note, **split)

    checks = [
        c("length_mm", length), c("width_mm", width),
        c("arch_apex_height_mm", ctx.arch["target"]),
        c("heel_cup_depth_mm", added("heel_cup_depth_mm", amounts["heel_cup_depth_mm"])),
        c("rearfoot_post_deg", tilted("rearfoot_post_deg", amounts["rearfoot_post_deg"])),
        c("heel_seat_height_mm", ref.get("heel_seat_height_mm", rx.device.base_thickness_mm) + amounts["heel_seat_height_mm"]),
        c("medial_skive_depth_mm", added("medial_skive_depth_mm", amounts["medial_skive_depth_mm"])),
        c("heel_pocket_depth_mm", added("heel_pocket_depth_mm", amounts["heel_pocket_depth_mm"])),
        c("forefoot_post_deg", tilted("forefoot_post_deg", amounts["forefoot_post_deg"]), plate),
        c("forefoot_thickness_mm", ref.get("forefoot_thickness_mm", rx.forefoot_thickness) + amounts["forefoot_thickness_mm"], plate),
        c("first_ray_step_mm", added("first_ray_step_mm", amounts["first_ray_step_mm"]), plate),
    ]
    # features read as what they add to the same device without them (device/rises.py)
    for q, prescribed in (("met_bar_rise_mm", rx.met_bar.height_mm), ("lateral_arch_rise_mm", rx.lateral_arch.height_mm),
                          ("medial_flange_rise_mm", acc.medial_flange_mm), ("lateral_flange_rise_mm", acc.lateral_flange_mm)):
        if prescribed:
            checks.append(Check(q, prescribed, rises.get(q), TOLERANCES[q]))
    if rx.met_bar.height_mm:
        checks.append(Check("met_bar_off_place_mm", 0.0, rises.get("met_bar_off_place_mm"), TOLERANCES["met_bar_off_place_mm"]))
    if acc.heel_spur_pocket_mm:
        # the rim is a smooth shoulder; half-way down, the wall is sharp (the rim's diameter less one wall)
        rim = acc.heel_spur_pocket_diameter_mm
        checks += [Check("heel_pocket_half_depth_diameter_mm", rim - pocket_wall_mm(rim), measured.get("heel_pocket_diameter_mm"),
                         TOLERANCES["heel_pocket_half_depth_diameter_mm"]),
                   Check("heel_pocket_off_place_mm", 0.0, _pocket_off_place(design, side, measured, frame),
                         TOLERANCES["heel_pocket_off_place_mm"])]
    if rx.met_pad.height_mm and "met_pad_rise_mm" in rises:
        under = ("the scanned sole's own forefoot curve" if reference is not None
                 else "a three-quarter device, which has no forefoot plate" if not has_plate
                 else "the met bar or a first-ray or lesser-ray accommodation")
        checks.append(c("met_pad_height_mm", rx.met_pad.height_mm, f"not compared: the pad stands on {under} "
                        "(its rise over the same device without it is compared instead)"))
        checks.append(Check("met_pad_rise_mm", rx.met_pad.height_mm, rises["met_pad_rise_mm"], TOLERANCES["met_pad_height_mm"]))
    elif rx.met_pad.height_mm:
        checks.append(c("met_pad_height_mm", rx.met_pad.height_mm, plate))
    return checks


def _heel_offload_depth(design: Design) -> float:
    """An offload pocket in the heel is the heel pocket the rearfoot measure reads."""
    ctx = design.context
    return ctx.rx.offload.depth_mm if any(under_heel(s, ctx) for s in ctx.offload) else 0.0


def offload_checks(design: Design, side: str, measured: dict, frame) -> tuple[list[Check], list[dict]]:
    """Each pocket (a site, or overlapping sites together) beside the pocket found nearest to it on
    the mesh: its depth, and how far the found pocket's centre (at half depth) lies from the
    design's. Returns the checks and the record's rows, site by site."""
    import shapely

    from insolegen.device.offload import pocket_groups

    ctx = design.context
    off = ctx.rx.offload
    if not ctx.offload:
        return [], []
    found = list(measured.get("pockets") or [])
    if measured.get("heel_pocket_depth_mm") and measured.get("heel_pocket_x_mm") is not None:
        # in the heel the rearfoot measure reads the pocket against the seat it models (the
        # cup's wall rises close around a heel pocket, where a plane does not hold)
        found = [p for p in found if p["x_mm"] > HEEL_POCKET_REGION * ctx.length] + [
            {"x_mm": measured["heel_pocket_x_mm"], "y_mm": measured["heel_pocket_y_mm"],
             "depth_mm": measured["heel_pocket_depth_mm"], "diameter_mm": measured.get("heel_pocket_diameter_mm")}]
    sign = -1.0 if side == "left" else 1.0

    def to_measure(xy):
        """Right-frame (x, y) -> the measuring frame (x, y + medial) of this side's device."""
        local = frame.to_frame(np.column_stack([xy[:, 0], sign * xy[:, 1], np.zeros(len(xy))]))
        return np.column_stack([local[:, 0], frame.medial_sign * local[:, 1]])
    checks, rows = [], []
    for group in pocket_groups(ctx.offload):
        sites = [ctx.offload[i] for i in group]
        # the design's half-depth shape (half a wall inside each rim), in the measuring frame
        half = shapely.union_all([shapely.Point(s.xy).buffer(s.radius_mm - min(off.wall_mm, s.radius_mm / 2) / 2, 64) for s in sites])
        shape = shapely.transform(half, to_measure)
        centre = np.array([shape.centroid.x, shape.centroid.y])
        dist = [float(np.hypot(p["x_mm"] - centre[0], p["y_mm"] - centre[1])) for p in found]
        k = int(np.argmin(dist)) if dist else None
        near = k is not None and dist[k] <= 2 * max(s.radius_mm for s in sites)
        if near and len(sites) > 1:
            # overlapping sites make one pocket of their union: its centre must lie in that union
            # (the centre of a wide union moves with how its lobes meet the curving surface)
            dist[k] = float(shape.distance(shapely.Point(found[k]["x_mm"], found[k]["y_mm"])))
        name = "+".join(s.name for s in sites)
        depth = found[k]["depth_mm"] if near else None
        place = dist[k] if near else None
        checks += [Check(f"offload_depth_mm[{name}]", off.depth_mm, depth, TOLERANCES["offload_depth_mm"]),
                   Check(f"offload_off_place_mm[{name}]", 0.0, place, TOLERANCES["offload_off_place_mm"])]
        rows.append({"sites": [s.as_dict() for s in sites], "prescribed_depth_mm": off.depth_mm,
                     "measured_depth_mm": depth, "measured_diameter_mm": found[k]["diameter_mm"] if near else None,
                     "off_place_mm": None if place is None else round(place, 2),
                     "ok": near and abs(depth - off.depth_mm) <= TOLERANCES["offload_depth_mm"]
                     and place <= TOLERANCES["offload_off_place_mm"]})
    return checks, rows


def label_checks(design: Design) -> tuple[list[Check], dict]:
    """Each side's engraving read back from its mesh: the underside's height along the strokes'
    centre lines (the letters' depth) and between the strokes (left flat), on a 0.2 mm grid over
    the label's box. Returns the checks and the record's section, side by side."""
    from insolegen.device.engrave import EDGE_MM
    from insolegen.geometry.raster import height_maps

    checks, section = [], {}
    for side, label in design.labels.items():
        device = design.devices[side]
        sign = -1.0 if side == "left" else 1.0
        x0, y0, x1, y1 = label.box
        lo, hi = (np.array([x0, min(sign * y0, sign * y1)]), np.array([x1, max(sign * y0, sign * y1)]))
        tri = device.vertices[device.faces]
        keep = (tri[:, :, :2] >= lo).all(axis=(1, 2)) & (tri[:, :, :2] <= hi).all(axis=(1, 2))     # the grid holds them whole
        hm = height_maps(device.vertices, device.faces[keep], 0.2, extent=(lo, hi))
        gx, gy = np.meshgrid(hm.xs, hm.ys)
        xy = np.column_stack([gx.ravel(), sign * gy.ravel()])            # back in the right frame the label is drawn in
        nearest = label.stroke_distance(xy).reshape(gx.shape)
        bottom = hm.bottom
        on = (nearest < 0.15) & np.isfinite(bottom)            # within the strokes' flat core
        clear = (nearest > label.half_width + EDGE_MM + 0.3) & np.isfinite(bottom)
        depth = float(np.median(bottom[on])) if on.any() else None
        stray = float(np.abs(bottom[clear]).max()) if clear.any() else None
        checks += [Check(f"label_depth_mm[{side}]", label.as_dict()["depth_mm"], depth, TOLERANCES["label_depth_mm"]),
                   Check(f"label_clear_mm[{side}]", 0.0, stray, TOLERANCES["label_clear_mm"])]
        section[side] = {**label.as_dict(), "measured_depth_mm": None if depth is None else round(depth, 3),
                         "between_strokes_mm": None if stray is None else round(stray, 3),
                         "how": "the underside's height on a 0.2 mm grid: along the strokes' centre lines, and between them"}
    return checks, section


def _sole_reference(design: Design) -> dict:
    """Measure the right device as it would be without the features whose size is checked
    against the scanned sole's own (heel lift, cup, posts, skive, pocket, pad)."""
    from insolegen.device.design import build_solid
    from insolegen.measure import measure_mesh

    rx, ctx = design.prescription, design.context
    bare = rx.model_copy(update={
        "heel_lift": rx.heel_lift.model_copy(update={"height_mm": 0.0}),
        "heel_cup": rx.heel_cup.model_copy(update={"depth_mm": 0.0}),
        "rearfoot_post": rx.rearfoot_post.model_copy(update={"angle_deg": 0.0}),
        "forefoot_post": rx.forefoot_post.model_copy(update={"angle_deg": 0.0}),
        "met_pad": rx.met_pad.model_copy(update={"height_mm": 0.0}),
        "medial_skive": rx.medial_skive.model_copy(update={"depth_mm": 0.0}),
        "accommodations": rx.accommodations.model_copy(update={"heel_spur_pocket_mm": 0.0, "mortons_extension_mm": 0.0,
                                                               "first_ray_cutout_mm": 0.0, "reverse_mortons_mm": 0.0}),
    })
    bare_ctx = replace(ctx, rx=bare, offload=())
    _, vertices, faces, _ = build_solid(design.plan, bare_ctx)
    return dict(measure_mesh(vertices, faces, name="reference", side="right", check_intersections=False, check_state=False,
                             foot_length_mm=design.foot.length_mm).quantities)


def feature_rises(design: Design, scanned_sole: bool) -> dict:
    """What each prescribed met bar, lateral arch and flange adds to the device, and a met pad
    standing on something other than the forefoot plate (a scanned sole, a bar, a first-ray or
    lesser-ray accommodation, a three-quarter device's end), read on the meshes (``device.rises``)."""
    from insolegen.device import rises

    rx, acc = design.prescription, design.prescription.accommodations
    found = {}
    if rx.met_bar.height_mm:
        found.update(rises.met_bar(design))
    if rx.lateral_arch.height_mm:
        found["lateral_arch_rise_mm"] = rises.border_feature(design, "lateral_arch", "height_mm", lateral=True)
    if acc.medial_flange_mm:
        found["medial_flange_rise_mm"] = rises.border_feature(design, "accommodations", "medial_flange_mm", lateral=False)
    if acc.lateral_flange_mm:
        found["lateral_flange_rise_mm"] = rises.border_feature(design, "accommodations", "lateral_flange_mm", lateral=True)
    under = (rx.met_bar.height_mm, acc.mortons_extension_mm, acc.reverse_mortons_mm, acc.first_ray_cutout_mm,
             rx.device.length == "three_quarter")
    if rx.met_pad.height_mm and (scanned_sole or any(under)):
        found["met_pad_rise_mm"] = rises.forefoot_rise(design, "met_pad", "height_mm")
    return found


def _refuse(side: str, what: str) -> None:
    raise DesignFailed(f"the {side} device does not measure as prescribed, nothing was written: {what} "
                       "(measured from the mesh by `insolegen measure`)")


def verify_design(design: Design) -> dict:
    """Measure one device of the design (the other is its exact mirror image) and compare.
    Returns the record section; raises DesignFailed when a compared quantity misses."""
    from insolegen.measure import measure_mesh

    # the device for the foot that was given (a left scan's record shows the left device), else the right
    side = design.foot.side if design.foot.side in design.devices else ("right" if "right" in design.devices
                                                                          else next(iter(design.devices)))
    device = design.devices[side]
    # the design's own checks (check_mesh) have passed: measure the shape, not the mesh again
    # the design knows which foot the device is for and how long that foot is: a tall lateral
    # flange must not make the measure take the lateral side for the arch's, nor an offset or a
    # trim move its regions
    sign = -1.0 if side == "left" else 1.0
    known = [(float(s.xy[0]), sign * float(s.xy[1]), s.radius_mm) for s in design.context.offload]
    m = measure_mesh(device.vertices, device.faces, name=side, side=side, check_intersections=False, check_state=False,
                     foot_length_mm=design.foot.length_mm, pockets_at=known)
    reference = _sole_reference(design) if design.context.sole is not None else None
    checks = expected_checks(design, side, m.quantities, m.frame, reference, feature_rises(design, reference is not None))
    pocket_checks, pocket_rows = offload_checks(design, side, m.quantities, m.frame)
    checks += pocket_checks
    engraved, label_section = label_checks(design)
    checks += engraved
    missed = [ch for ch in checks if not ch.ok]
    if missed:
        worst = missed[0]
        found = "was not found on the mesh" if worst.measured is None else f"measures {worst.measured:.2f}"
        _refuse(side, f"{worst.quantity} {found}, prescribed {worst.prescribed:.2f} ± {worst.tolerance:g}")
    return {
        "measured_by": "insolegen.measure, from the mesh alone (see `insolegen measure --help`)",
        "device": side,
        "checks": [ch.as_dict() for ch in checks],
        **({"offload_pockets": pocket_rows} if pocket_rows else {}),
        **({"labels": label_section} if label_section else {}),
        "measurement": m.as_dict(),
        **({"bare_sole_device": {
            "what": "the same device without the prescribed heel lift, cup, posts and pad: the scanned sole's own shape, "
                    "which those features are added to (a tilted scanned heel shows here as a rearfoot tilt)",
            "why_posts_differ": TOTAL_CONTACT_RULE,
            "quantities": {k: None if v is None else round(float(v), 3) for k, v in reference.items() if not isinstance(v, list)}}}
           if reference is not None else {}),
    }
