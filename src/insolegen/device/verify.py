"""Prescribed beside measured. Every device is measured by ``insolegen.measure`` (the
independent oracle, which reads the mesh alone) and each prescribed quantity is compared with
its measurement within the tolerance below. A miss is a ``DesignFailed``: the device is not
written. A feature that rides on a surface other features also shape (a met bar, a lateral arch,
a flange, a met pad standing on a bar) is compared as what it adds: the device against the same
device made without it (``device.rises``). Only a quantity a device cannot have (the forefoot
plate of a three-quarter device) is recorded as measured but not compared, with why.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from insolegen.device import features
from insolegen.device.checks import Check, Reading
from insolegen.device.design import Design, mirror, surfaces_for
from insolegen.device.features import TOLERANCES
from insolegen.device.features.offload_pockets import pocket_readings
from insolegen.device.rises import Probe
from insolegen.errors import DesignFailed

TOTAL_CONTACT_RULE = (
    "A total-contact device's top follows the scanned sole, so its heel and forefoot already stand at the scan's own "
    "tilt and cup. The prescribed posts, cup, skive, lift and accommodations are added to that shape: the device must "
    "measure the scan's value plus the prescribed amount (posts add as slopes). The scan governs the shape the foot "
    "already has; the prescription governs only what is added to it.")


def _outline_extents(outline: np.ndarray, frame_axes: np.ndarray) -> tuple[float, float]:
    """The device outline's length and width along the axes the measurement found."""
    return float(np.ptp(outline @ frame_axes[0, :2])), float(np.ptp(outline @ frame_axes[1, :2]))


def _device_from_foot(design: Design) -> np.ndarray:
    """The outline the device should have, from the foot it was made for: the foot's outline
    grown by device.outline_offset_mm (a full-length device), or with a shoe its sock-liner less
    the allowances (``shoe.fit``), trimmed as device.length says
    (the trim rule of ``plan.device_outline``). Not the plan's outline: a device made from a wrong
    outline must fail its length and width."""
    import shapely

    from insolegen.device import widening
    from insolegen.device.plan import device_outline, widened_outline

    rx = design.prescription
    inside_the_shoe = None if design.shoe is None else design.shoe.inside      # the sock-liner less its allowances
    if rx.device.length != "full":
        return device_outline(design.foot, rx, inside_the_shoe)
    if inside_the_shoe is not None:
        return inside_the_shoe
    grown = np.asarray(shapely.Polygon(design.foot.outline).buffer(rx.device.outline_offset_mm, quad_segs=32).exterior.coords)
    if widening.wanted(rx):
        grown = widened_outline(grown[:-1], design.foot, rx)
    return grown


def expected_checks(reading: Reading) -> list[Check]:
    """The device's outline (its length and width, from the foot it was made for), then each
    feature's own checks (``device.features``)."""
    outline = _device_from_foot(reading.design) * ([1.0, -1.0] if reading.side == "left" else [1.0, 1.0])
    length, width = _outline_extents(outline, reading.frame.axes)
    return [reading.check("length_mm", length), reading.check("width_mm", width), *features.checks(reading)]


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
    against the scanned sole's own (heel lift, cup, posts, skive, pocket, pad, first-ray features)."""
    from insolegen.device.design import build_solid
    from insolegen.measure import measure_mesh

    bare_ctx = replace(design.context, rx=features.bare_on_sole(design.prescription), offload=())
    _, vertices, faces, _ = build_solid(design.plan, bare_ctx)
    return dict(measure_mesh(vertices, faces, name="reference", side="right", check_intersections=False, check_state=False,
                             foot_length_mm=design.foot.length_mm).quantities)


def feature_rises(design: Design, scanned_sole: bool) -> dict:
    """What each rising feature (a met bar, a lateral arch, a flange, a met pad standing on
    something other than the forefoot plate) adds to the device, read on its mesh (``device.rises``)."""
    ctx = design.context

    def bare_top(amount: str, xy: np.ndarray) -> np.ndarray:
        """The right device's top without one feature, at the design's own arch."""
        top, _ = surfaces_for(design.plan, replace(ctx, rx=features.by_amount(amount).without(ctx.rx)))(xy)
        return top
    probe = Probe(*design.right_frame_mesh(), design.plan, ctx, bare_top)
    return features.rises(probe, scanned_sole)


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
    # with a top cover, the device with its cover on is what the prescription describes: it is measured,
    # and the device's own top is read below it by the cover's thickness (the cover's checks)
    vertices, faces = device.vertices, device.faces
    if design.cover is not None:
        vertices, faces = design.cover.assembly if side == "right" else mirror(*design.cover.assembly)
    m = measure_mesh(vertices, faces, name=side, side=side, check_intersections=False, check_state=False,
                     foot_length_mm=design.foot.length_mm, pockets_at=known)
    reference = _sole_reference(design) if design.context.sole is not None else None
    reading = Reading(design, side, m.quantities, m.frame, reference, feature_rises(design, reference is not None), TOLERANCES)
    checks = expected_checks(reading)
    _, pocket_rows = pocket_readings(reading)
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
