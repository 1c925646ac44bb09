"""Footprint images (PNG, JPEG): a foam-box impression, an ink print or a pedograph -> one
outline per foot in mm.

Scale, in order: ``--dpi`` given; else a scale marker found in the image (the printed L of the
foam-box kit: ring centres 50 mm apart on one arm and 100 mm on the other); else the image's
own DPI; else an error (an outline in pixels would make a wrong insole). Feet are the large,
dark, foot-shaped regions; pins, markers, labels and the scanner's background are not (small
holes left by pins are filled, thin lines opened away, regions touching the image border and
regions of the wrong shape dropped).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.feet.foot import Foot, SourceFrame
from insolegen.feet.pins import NEAR_FOOT_MM, Pin, assign_roles, find_pins
from insolegen.feet.raster_region import mask_polygon
from insolegen.geometry.arrays import channel_max
from insolegen.limits import check_file_size, refuse_over

DPI_RANGE = (50.0, 4800.0)        # a flatbed scanner's or a camera's resolution, in dots per inch
WORK_PX_PER_MM = 3.0              # images are reduced to about this before segmentation
MARKER_ARMS_MM = (50.0, 100.0)    # ring centre distances on the two arms of the L marker
PIN_HOLE_MM2 = 60.0               # holes smaller than this inside a foot are pins, filled
FOOT_AREA_MM2 = (6000.0, 45000.0)
FOOT_ASPECT = (1.8, 4.5)          # length / width of a footprint
FOOT_SOLIDITY = 0.75              # a footprint fills most of its convex hull (a high arch's print: about 0.8)
STRAIGHT_EDGE_MM = 15.0           # a foot's border curves everywhere: edges this long and straight are
MAX_STRAIGHT_SHARE = 0.4          # a box edge's or a label's, and a region bounded mostly by them is not a foot


@dataclass(frozen=True)
class ImageFoot:
    outline_mm: np.ndarray        # (n, 2), image axes (x right, y up), mm: (x_px, -y_px) / px_per_mm
    centre_mm: tuple[float, float]


@dataclass(frozen=True)
class FootprintImage:
    feet: list[ImageFoot]         # left to right in the image
    px_per_mm: float
    scale_how: str
    pins: list[Pin]               # every marker pin found, in full-resolution pixels
    size_px: tuple[int, int]      # (width, height) of the image as stored


def _load(path: Path):
    from PIL import Image, UnidentifiedImageError

    check_file_size(path, "IMAGE_MB")
    try:
        image = Image.open(path)            # reads the header only: the size is known before decoding
        refuse_over("the image's size", image.size[0] * image.size[1], "IMAGE_PIXELS", path, " pixels")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"{path}: not a readable image ({exc})") from None
    dpi = image.info.get("dpi")
    return image.convert("RGB"), (float(dpi[0]) if dpi and dpi[0] and dpi[0] > 1 else None)


def _fill_small_holes(mask: np.ndarray, max_px: float) -> np.ndarray:
    from scipy import ndimage as ndi

    holes, n = ndi.label(~mask)
    sizes = ndi.sum(~mask, holes, range(1, n + 1))
    small = np.zeros(n + 1, bool)
    small[1:] = sizes < max_px
    return mask | small[holes]


def _marker_scale(rgb: np.ndarray, dark: np.ndarray) -> float | None:
    """px/mm from the L marker: a neutral dark shape with three ring holes whose centres are 50
    and 100 mm apart at a right angle. None if there is no such shape."""
    from scipy import ndimage as ndi

    red = rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])
    labels, n = ndi.label(dark & (red < 6))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:].astype(float)
    boxes = ndi.find_objects(labels)        # every shape's box at once: one pass, not one per shape tried
    for index in np.argsort(-sizes)[:40] + 1:
        sl = boxes[index - 1]
        comp = ndi.binary_closing(np.pad(labels[sl] == index, 3), np.ones((3, 3)))   # mend a ring broken by JPEG
        holes = ndi.binary_fill_holes(comp) & ~comp
        hl, k = ndi.label(holes)
        if k < 3:
            continue
        areas = ndi.sum(holes, hl, range(1, k + 1))
        rings = np.argsort(-areas)[:3] + 1
        if areas[rings[2] - 1] < 20:
            continue
        centres = np.array(ndi.center_of_mass(holes, hl, rings))
        d = np.sort([np.linalg.norm(centres[i] - centres[j]) for i, j in ((0, 1), (0, 2), (1, 2))])
        arms_ratio = d[1] / d[0]
        right_angle = abs(d[2] - np.hypot(d[0], d[1])) / d[2]
        if abs(arms_ratio - MARKER_ARMS_MM[1] / MARKER_ARMS_MM[0]) < 0.06 and right_angle < 0.02:
            return 0.5 * (d[0] / MARKER_ARMS_MM[0] + d[1] / MARKER_ARMS_MM[1])
    return None


def read_footprint_image(path: str | Path, dpi: float | None = None) -> FootprintImage:
    from scipy import ndimage as ndi

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    if dpi is not None and not (np.isfinite(dpi) and DPI_RANGE[0] <= dpi <= DPI_RANGE[1]):
        raise InvalidInput(f"--dpi {dpi:g} is out of range {DPI_RANGE[0]:g} … {DPI_RANGE[1]:g}")
    image, file_dpi = _load(path)
    full = np.asarray(image).astype(np.int16)
    value = channel_max(full)
    from skimage.filters import threshold_otsu

    threshold = threshold_otsu(value) if np.ptp(value) > 30 else None
    if threshold is None:
        raise InvalidInput(f"{path}: the image is nearly uniform: no footprint in it")
    if dpi is not None:
        px_per_mm, how = dpi / 25.4, f"--dpi {dpi:g}"
    else:
        marker = _marker_scale(full, value <= threshold)
        if marker is not None:
            px_per_mm, how = marker, "the L scale marker in the image (ring centres 50 and 100 mm apart)"
        elif file_dpi is not None:
            px_per_mm, how = file_dpi / 25.4, f"the image's own DPI ({file_dpi:g})"
        else:
            raise InvalidInput(f"{path}: no scale: the image has no DPI, no scale marker was found; give --dpi")

    factor = max(1, int(round(px_per_mm / WORK_PX_PER_MM)))
    small = np.asarray(image.reduce(factor)).astype(np.int16) if factor > 1 else full
    scale = px_per_mm / factor                               # working px per mm
    dark = channel_max(small) <= threshold
    labels, _ = ndi.label(dark)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    dark &= ~np.isin(labels, border[border > 0])              # the scanner's background, the page edge
    dark = _fill_small_holes(dark, PIN_HOLE_MM2 * scale * scale)
    width = max(3, int(round(3.0 * scale)) | 1)
    dark = ndi.binary_opening(dark, np.ones((width, width)))  # thin lines: box edges, marker arms
    labels, n = ndi.label(dark)
    feet = []
    for index in range(1, n + 1):
        region = labels == index
        area = region.sum() / scale ** 2
        if not FOOT_AREA_MM2[0] <= area <= FOOT_AREA_MM2[1]:
            continue
        ys, xs = np.nonzero(region)
        pts = np.column_stack([xs, ys]).astype(float)
        sv = np.linalg.svd(pts - pts.mean(axis=0), compute_uv=False)
        aspect = sv[0] / max(sv[1], 1e-9)
        if not FOOT_ASPECT[0] <= aspect <= FOOT_ASPECT[1]:
            continue
        # working pixel i is centred on full-resolution pixel (i + 0.5) * factor - 0.5 (x right, y down)
        centres = [(np.arange(n_px) + 0.5) * factor - 0.5 for n_px in (region.shape[1], region.shape[0])]
        region_shape = mask_polygon(region, *centres)
        outline_px = np.asarray(region_shape.simplify(0.7 * factor).exterior.coords)[:-1]
        shape = shapely.Polygon(outline_px)
        if shape.area < FOOT_SOLIDITY * shape.convex_hull.area:      # ragged: a band of background, not a foot
            continue
        outline_mm = np.column_stack([outline_px[:, 0], -outline_px[:, 1]]) / px_per_mm   # y up
        if _straight_share(outline_mm) > MAX_STRAIGHT_SHARE:
            continue
        feet.append(ImageFoot(outline_mm, (float(xs.mean() / scale), float(-ys.mean() / scale))))
    if not feet:
        raise InvalidInput(f"{path}: found no footprint in the image (no dark, foot-shaped region of "
                           f"{FOOT_AREA_MM2[0]:g}-{FOOT_AREA_MM2[1]:g} mm² at the scale from {how})")
    feet.sort(key=lambda f: f.centre_mm[0])
    return FootprintImage(feet, px_per_mm, how, _pins_on_the_prints(find_pins(image, px_per_mm), feet, px_per_mm), image.size)


def _pins_on_the_prints(pins: list[Pin], feet: list[ImageFoot], px_per_mm: float) -> list[Pin]:
    """The pins in the imprints' region: inside a print or within NEAR_FOOT_MM of its border, where
    the marking scheme puts them. Dark dots beyond (a label's QR code, specks on the scanner's lid)
    are not pins: on the real foam print the scheme's pins lie within 9 mm outside the border, the
    QR code's squares 40 mm and the lid's specks 100 mm and more."""
    if not pins:
        return []
    region = shapely.union_all([shapely.Polygon(f.outline_mm).buffer(NEAR_FOOT_MM) for f in feet])
    at = shapely.points([(p.x_px / px_per_mm, -p.y_px / px_per_mm) for p in pins])
    return [p for p, inside in zip(pins, shapely.contains(region, at)) if inside]


def _straight_share(outline: np.ndarray) -> float:
    """The share of the closed outline's perimeter in straight edges of STRAIGHT_EDGE_MM or more."""
    edges = np.linalg.norm(np.roll(outline, -1, axis=0) - outline, axis=1)
    return float(edges[edges >= STRAIGHT_EDGE_MM].sum() / max(edges.sum(), 1e-9))


PRINT_INDICES_NOTE = ("the print taken as the weight-bearing contact area: right for an ink print or a pedograph; "
                      "a foam-box impression records the whole sole, so its indices read flatter than the foot is")


def feet_from_image(path: str | Path, dpi: float | None = None, side: str | None = None):
    """(read image, [Foot for each footprint]) with each foot's side detected from its outline
    (or ``side`` when the image holds one footprint)."""
    from insolegen.feet.foot import foot_from_points
    from insolegen.feet.indices import footprint_indices

    image = read_footprint_image(path, dpi)
    ppm = image.px_per_mm
    pins_mm = np.array([[p.x_px / ppm, -p.y_px / ppm] for p in image.pins]).reshape(-1, 2)
    frame = SourceFrame("px", np.diag([ppm, -ppm]), np.zeros(2), "pixels of the image as stored: x right, y down, "
                        "origin at the top-left corner")
    feet = []
    for k, found in enumerate(image.feet):
        given = side if len(image.feet) == 1 else None
        source = f"footprint image {Path(path).name}" + (f" (footprint {k + 1} of {len(image.feet)} from the left)" if len(image.feet) > 1 else "")
        foot = foot_from_points(found.outline_mm, side=given, source=source)
        foot, pin_report = _with_pins(foot, found.outline_mm, pins_mm, given, source)
        notes = (f"scale from {image.scale_how}: {ppm:.2f} px/mm",)
        cause = _scale_cause(foot.length_mm, ppm, image.scale_how)
        foot = replace(foot, warnings=foot.warnings + tuple(cause))
        feet.append(replace(foot, notes=foot.notes + notes, source_frame=frame, pins=pin_report,
                            indices={"note": PRINT_INDICES_NOTE, **footprint_indices(shapely.Polygon(foot.outline), foot)}))
    return image, feet


def _scale_cause(length_mm: float, px_per_mm: float, how: str) -> list[str]:
    """The likely cause when a footprint is no plausible foot's length: the image's scale, and the
    scale that would make it one."""
    from insolegen.feet.population import scale_to_fit

    fit = scale_to_fit(length_mm)
    if fit is None:
        return []
    median, lo, hi = (px_per_mm / k for k in fit)
    return [f"likely cause: the image's scale ({how}, {px_per_mm:.2f} px/mm) makes the footprint {length_mm:.0f} mm long; "
            f"{median:.2f} px/mm (--dpi {median * 25.4:.0f}) makes it the population's median foot ({hi:.2f}-{lo:.2f} px/mm, "
            "the middle 95 % of adult feet): give --dpi with the scan's real resolution"]


# pin roles -> the landmarks they give (the rest are reported with the foot's pins)
PIN_LANDMARKS = {"heel_center": "heel_center", "arch_support": "navicular", "met_pad_center": "met_pad_center",
                 "ball_width_medial": "ball_medial", "ball_width_lateral": "ball_lateral",
                 "heel_spur": "heel_spur", "mt5_base": "mt5_base", "heel_width_medial": "heel_width_medial",
                 "heel_width_lateral": "heel_width_lateral", **{f"mth{k}_head": f"mth{k}_head" for k in range(1, 6)}}


def _with_pins(foot: Foot, outline_mm: np.ndarray, pins_mm: np.ndarray, side, source) -> tuple[Foot, dict | None]:
    """The foot with the landmarks its clinician's pins give (the pins near it, each given its role
    on the foot as first read), and the pins' report: every pin by role, and those with none."""
    from insolegen.feet.foot import foot_from_points

    if not len(pins_mm):
        return foot, None
    canonical = foot.to_canonical(pins_mm)
    roles = assign_roles(canonical, foot.outline, foot.landmarks["ball_medial"].xy, foot.landmarks["ball_lateral"].xy)
    near = [(xy, why) for xy, why in roles.unassigned if "more than" not in why]
    if not roles.roles and not near:
        return foot, None
    as_input = {role: foot.to_input(xy[None])[0] for role, xy in roles.roles.items()}
    given = {PIN_LANDMARKS[role]: xy for role, xy in as_input.items() if role in PIN_LANDMARKS}
    pinned = foot_from_points(outline_mm, side=side, given_landmarks=given, source=source, given_how="clinician pin")
    report = {
        "scheme": "GreenAI foam-print marking (heel centre, heel spur, heel width, arch support, base of MT5, "
                  "ball width, MTH1-5 joint centres, met-pad point, toe tips, rearmost and foremost points)",
        "roles": {role: pinned.to_canonical(xy[None])[0].round(2).tolist() for role, xy in as_input.items()},
        "unassigned": [{"xy_mm": pinned.to_canonical(foot.to_input(xy[None]))[0].round(2).tolist(),
                        "why": why} for xy, why in near],
    }
    return replace(pinned, warnings=pinned.warnings + _unused_pin_warnings(report["unassigned"])), report


def _unused_pin_warnings(unassigned: list[dict]) -> tuple[str, ...]:
    """One line per reason, naming where each such pin lies (heel at x = 0, medial +y)."""
    by_why: dict[str, list[str]] = {}
    for pin in unassigned:
        by_why.setdefault(pin["why"], []).append(f"({pin['xy_mm'][0]:.0f}, {pin['xy_mm'][1]:.0f})")
    return tuple(f"{len(at)} pin{'s' if len(at) > 1 else ''} not used, at {', '.join(at)} mm: {why}"
                 for why, at in by_why.items())


def pick_foot(feet: list[Foot], side: str | None, path) -> Foot:
    """The foot to design from: the one of ``side``, else the only one, else the right one."""
    if side is not None:
        chosen = [f for f in feet if f.side == side]
        if not chosen:
            raise InvalidInput(f"{path}: no {side} footprint found (found: {', '.join(f.side for f in feet)})")
        return chosen[0]
    if len(feet) == 1:
        return feet[0]
    right = [f for f in feet if f.side == "right"]
    chosen = right[0] if right else feet[0]
    return replace(chosen, warnings=chosen.warnings + (
        f"the image holds {len(feet)} footprints ({', '.join(f.side for f in feet)}); designed from the "
        f"{chosen.side} one (give --foot-side to choose)",))
