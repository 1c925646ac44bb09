"""The prescription: a validated, versioned document, one section per feature (DESIGN §3).

Every field has a unit, a default, a range and a one-line clinical meaning (``describe_fields``
lists them). A value out of range, an unknown key or a contradiction raises ``InvalidInput``
naming the field, the value and what is allowed.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from insolegen.errors import InvalidInput
from insolegen.feet.priors import MET_PAD_BEHIND_HEADS_MM

SCHEMA_VERSION = 1
MIN_PRINTABLE_THICKNESS_MM = 1.0
MIN_POCKET_MM = 1.0       # a shallower heel pocket does not offload the spur (the heel pad compresses more under load)
MIN_FIRST_RAY_STEP_MM = 0.5   # a Morton's extension, reverse Morton's or cut-out: a smaller step is a layer or two of print


LABEL_MAX_CHARS = 24              # the engraved text with its side letter
LABEL_CHARACTERS = r"[A-Z0-9 ._-]"  # what the engraving's font draws


def label_problem(value: str) -> str | None:
    """Why a ``device.label`` value cannot be engraved, or None."""
    if value in ("auto", "none"):
        return None
    text = str(value).upper()
    if not text.strip():
        return "give auto, none or the text to engrave"
    if len(text) > LABEL_MAX_CHARS - 2:
        return f"{len(text)} characters: at most {LABEL_MAX_CHARS - 2} (and the side) fit under an insole"
    bad = sorted(set(re.sub(LABEL_CHARACTERS, "", text)))
    if bad:
        return f"{''.join(bad)!r} cannot be engraved: use letters, digits, space, '.', '_' and '-'"
    return None


def _f(default, lo, hi, unit, meaning):
    return Field(default, ge=lo, le=hi, description=meaning, json_schema_extra={"unit": unit})


def _choice(default, meaning):
    return Field(default, description=meaning, json_schema_extra={"unit": ""})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Device(_Section):
    length: Literal["full", "sulcus", "three_quarter"] = _choice(
        "full", "trim: full length, to the toe sulcus, or ending just behind the metatarsal heads")
    outline_offset_mm: float = _f(0.0, -5.0, 10.0, "mm", "grow (+) or shrink (-) the insole outline relative to the foot outline")
    shell_width_mm: float = _f(0.0, -10.0, 10.0, "mm", "a lab's shell width: widens (+) or narrows (-) the device across the "
                               "midfoot and the ball, half on each side, leaving the heel and the length (narrow for a dress shoe)")
    base_thickness_mm: float = _f(3.0, 1.5, 8.0, "mm", "thickness under the heel (and everywhere, unless tapered)")
    forefoot_thickness_mm: float | None = _f(None, 1.5, 8.0, "mm", "thickness under the forefoot; tapers smoothly from the heel (default: same as base)")
    mode: Literal["solid", "shell"] = _choice("solid", "solid full-contact insole with a flat bottom, or a thin shell open underneath")
    shell_thickness_mm: float = _f(3.0, 1.5, 6.0, "mm", "shell mode: thickness of the shell under the arch")
    label: str = _choice("none", "engraved 0.6 mm deep on the underside, reading from below: none, auto (the case name and "
                         "L/R), or the text to engrave (L/R is added)")

    @field_validator("label")
    @classmethod
    def _label(cls, value):
        problem = label_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Arch(_Section):
    height_mm: float | None = _f(15.0, 5.0, 40.0, "mm", "height of the device's top at the medial arch apex above the ground")
    fill_frac: float | None = _f(None, 0.0, 1.0, "", "instead of height_mm: the device's arch as a fraction of the foot's measured arch height")
    apex_frac: float | str = _choice("navicular", "apex position: 'navicular' (landmark or measurement) or a fraction of foot length 0.35 … 0.50")
    length_mm: float | None = _f(None, 60.0, 180.0, "mm", "extent of the arch support along the foot (default: from the landmarks)")
    width_mm: float | None = _f(None, 15.0, 80.0, "mm", "extent across the foot from the medial border (default: 0.45 x ball width)")

    @field_validator("apex_frac")
    @classmethod
    def _apex(cls, value):
        if isinstance(value, str):
            if value != "navicular":
                raise ValueError(f"must be 'navicular' or a fraction 0.35 … 0.50, got {value!r}")
            return value
        if not 0.35 <= value <= 0.50:
            raise ValueError(f"{value!r} is out of range 0.35 … 0.5 (fraction of foot length)")
        return float(value)


class LateralArch(_Section):
    height_mm: float = _f(0.0, 0.0, 10.0, "mm", "cuboid / lateral column support: rise above the base along the lateral border")


class HeelCup(_Section):
    depth_mm: float = _f(12.0, 0.0, 30.0, "mm", "rim height above the heel seat (12 usual, 14-25 deep)")


class RearfootPost(_Section):
    angle_deg: float = _f(0.0, -8.0, 8.0, "deg", "tilt of the heel seat about the foot axis; + = varus (medial side up)")
    kind: Literal["intrinsic", "extrinsic"] = _choice("intrinsic", "in the shell (intrinsic) or a post under the heel (extrinsic)")
    motion_grind_deg: float = _f(0.0, 0.0, 30.0, "deg", "extrinsic post: bevel of the post's posterior edge")


class ForefootPost(_Section):
    angle_deg: float = _f(0.0, -8.0, 8.0, "deg", "tilt of the forefoot plate about the foot axis; + = varus (medial side up)")


class MedialSkive(_Section):
    depth_mm: float = _f(0.0, 0.0, 8.0, "mm", "Kirby medial heel skive: extra varus wedge, this much higher at the medial heel edge")
    angle_deg: float | None = _f(None, 0.0, 15.0, "deg", "the skive given as an angle instead of depth_mm: how much more steeply "
                                 "the heel seat rises medial of the crease; the depth is what it makes at the heel's medial edge")


class LateralSkive(_Section):
    depth_mm: float = _f(0.0, 0.0, 8.0, "mm", "lateral heel skive: a valgus wedge lateral of the heel's centre line, this much "
                         "higher at the lateral heel edge (lateral instability, a supinated heel)")
    angle_deg: float | None = _f(None, 0.0, 15.0, "deg", "the lateral skive given as an angle instead of depth_mm: how much more "
                                 "steeply the heel seat rises lateral of the crease")


class HeelExpansion(_Section):
    lateral_mm: float = _f(0.0, 0.0, 8.0, "mm", "a lab's lateral heel expansion: the heel widened on its lateral side, room for "
                           "the fat pad spreading under load (about 5 mm from a non-weight-bearing cast; 3 in a dress shoe)")
    lateral_pct: float | None = _f(None, 0.0, 12.0, "%", "the lateral expansion as a share of the heel's width, instead of lateral_mm")
    medial_mm: float = _f(0.0, 0.0, 8.0, "mm", "the heel widened on its medial side")


class HeelLift(_Section):
    height_mm: float = _f(0.0, 0.0, 15.0, "mm", "limb-length / heel raise under the heel, tapering out through the midfoot")


class MetPad(_Section):
    height_mm: float = _f(0.0, 0.0, 8.0, "mm", "dome just proximal to the 2nd-3rd metatarsal heads, above the surrounding surface")
    offset_mm: float = _f(MET_PAD_BEHIND_HEADS_MM, 0.0, 40.0, "mm", "distance of the dome's top proximal to the 2nd-3rd metatarsal heads, along the foot (its distal edge clear of them; a clinician's met-pad pin wins)")
    length_mm: float = _f(35.0, 20.0, 60.0, "mm", "dome length along the foot")
    width_mm: float = _f(25.0, 15.0, 45.0, "mm", "dome width across the foot")


class NavicularPad(_Section):
    height_mm: float = _f(0.0, 0.0, 8.0, "mm", "a dome under the navicular, inside the medial border, on top of the arch (0 = none)")
    length_mm: float = _f(30.0, 15.0, 50.0, "mm", "dome length along the foot")
    width_mm: float = _f(20.0, 10.0, 35.0, "mm", "dome width across the foot")


class CuboidPad(_Section):
    height_mm: float = _f(0.0, 0.0, 8.0, "mm", "a dome under the cuboid, inside the lateral border of the midfoot (0 = none)")
    offset_mm: float = _f(0.0, -20.0, 20.0, "mm", "its centre along the foot from the navicular's level (the cuboid lies beside "
                          "the navicular, both just ahead of the midtarsal joint); + toward the toes")
    length_mm: float = _f(30.0, 15.0, 50.0, "mm", "dome length along the foot")
    width_mm: float = _f(20.0, 10.0, 35.0, "mm", "dome width across the foot")


class MetBar(_Section):
    height_mm: float = _f(0.0, 0.0, 6.0, "mm", "bar across the foot proximal to the ball line")
    offset_mm: float = _f(10.0, 0.0, 25.0, "mm", "distance of the bar's crest proximal to the metatarsal heads' line (1st to 5th)")
    width_mm: float = _f(16.0, 8.0, 30.0, "mm", "bar width along the foot")


class Accommodations(_Section):
    first_ray_cutout_mm: float = _f(0.0, 0.0, 6.0, "mm", "lowers the device under the 1st metatarsal head and hallux by this much")
    heel_spur_pocket_mm: float = _f(0.0, 0.0, 6.0, "mm", "depth of a pocket under the plantar fascia origin (heel spur)")
    heel_spur_pocket_diameter_mm: float = _f(25.0, 10.0, 40.0, "mm", "diameter of the heel spur pocket at its rim (its wall slopes to the floor over 4 mm, or a quarter of the diameter)")
    mortons_extension_mm: float = _f(0.0, 0.0, 6.0, "mm", "raise under the 1st metatarsal head and hallux (hallux limitus / rigidus)")
    reverse_mortons_mm: float = _f(0.0, 0.0, 6.0, "mm", "raise under the 2nd-5th metatarsal heads and lesser toes")
    medial_flange_mm: float = _f(0.0, 0.0, 20.0, "mm", "raised wall along the medial midfoot border")
    lateral_flange_mm: float = _f(0.0, 0.0, 20.0, "mm", "raised wall along the lateral midfoot border")


OFFLOAD_SITES = ("mth1", "mth2", "mth3", "mth4", "mth5", "heel", "hallux")


class Offload(_Section):
    sites: list[Literal[OFFLOAD_SITES]] = Field(
        default_factory=list, description="named sites to offload, from the landmarks: mth1 … mth5 (metatarsal heads), heel, hallux",
        json_schema_extra={"unit": ""})
    spots: list[tuple[float, float, float]] = Field(
        default_factory=list, description="a clinician's sites (an ulcer, a callus) as [x, y, r] in mm: x from the heel along the foot, "
        "y + medial, r the radius", json_schema_extra={"unit": "mm"})
    above_kpa: float | None = _f(None, 20.0, 2000.0, "kPa", "offload every region of the pressure recording above this pressure (needs --pressure-unit)")
    above_percentile: float | None = _f(None, 50.0, 99.9, "%", "offload every region above this percentile of the recording's loaded sensors")
    depth_mm: float = _f(2.0, 0.5, 6.0, "mm", "depth of each relief pocket below the surface around it (it leaves at least 1 mm under its floor)")
    site_radius_mm: float | None = _f(None, 8.0, 20.0, "mm", "radius of a named site's pocket (default: 10 for a metatarsal head, 12 for the hallux and the heel)")
    wall_mm: float = _f(4.0, 2.0, 10.0, "mm", "the pocket's wall slopes smoothly from its rim to its floor over this width")

    @field_validator("spots")
    @classmethod
    def _spots(cls, value):
        for k, (x, y, r) in enumerate(value):
            if not 8.0 <= r <= 25.0:
                raise ValueError(f"spot {k + 1} [{x:g}, {y:g}, {r:g}]: the radius {r:g} is out of range 8 … 25 mm")
            if not (-50.0 <= x <= 400.0 and -150.0 <= y <= 150.0):
                raise ValueError(f"spot {k + 1} [{x:g}, {y:g}, {r:g}]: the place is not on a foot (x 0 … L from the heel, y ± half the width)")
        return value

    @property
    def wanted(self) -> bool:
        return bool(self.sites or self.spots or self.above_kpa is not None or self.above_percentile is not None)


class Shoe(_Section):
    """How far inside a shoe's sock-liner the device's edge stands (``--shoe``): a lab's fitting
    allowances, so that the device goes into the shoe without buckling against its walls."""
    allowance_toe_mm: float = _f(2.0, 0.0, 20.0, "mm", "with a shoe (--shoe): the device's full length ends this far short of the sock-liner's toe")
    allowance_ball_medial_mm: float = _f(1.0, 0.0, 10.0, "mm", "with a shoe: inset from the sock-liner's medial edge across the ball")
    allowance_ball_lateral_mm: float = _f(1.0, 0.0, 10.0, "mm", "with a shoe: inset from the sock-liner's lateral edge across the ball")
    allowance_heel_medial_mm: float = _f(1.0, 0.0, 10.0, "mm", "with a shoe: inset from the sock-liner's medial edge at the heel")
    allowance_heel_lateral_mm: float = _f(1.0, 0.0, 10.0, "mm", "with a shoe: inset from the sock-liner's lateral edge at the heel")
    style: Literal["athletic", "casual", "dress", "boot", "ski"] = _choice(
        "athletic", "the shoe the device goes into: athletic or casual (the standard device), dress, boot or ski; a dress "
        "shoe, a boot or a ski boot limits the heel cup, skive, posts and forefoot accommodations as labs advise (beyond "
        "them: refused, or made with --accept-shoe and a warning)")


class Cover(_Section):
    """A top cover over the device: the device's top is lowered by its thickness wherever it lies,
    so that device and cover together stand where the prescription says."""
    thickness_mm: float = _f(0.0, 0.0, 6.0, "mm", "the top cover's thickness (0 = none); the device's top is lowered by it "
                             "where the cover lies, so that device plus cover stands as prescribed")
    material: Literal["vinyl", "leather", "neoprene", "eva", "poron", "tpu"] = _choice(
        "vinyl", "the cover's material (its cutting template is written for it; a tpu cover can be printed)")
    length: Literal["full", "sulcus", "met"] = _choice(
        "full", "where the cover ends: the device's whole top, the toe sulcus, or just behind the metatarsal heads "
        "(its end skived to nothing over 8 mm)")
    body: Literal["none", "3mf"] = _choice("none", "3mf: the cover is a second printable body in the 3MF, on the device (a tpu cover)")


class Zones(_Section):
    layout: Literal["none", "regions", "pressure"] = _choice(
        "none", "print zones, as modifier volumes in the 3MF: none (one infill), regions (heel, arch, forefoot) or pressure "
        "(bands of the recording)")
    heel_infill_pct: float = _f(25.0, 5.0, 100.0, "%", "regions: infill density under the heel")
    arch_infill_pct: float = _f(40.0, 5.0, 100.0, "%", "regions: infill density under the arch (midfoot)")
    forefoot_infill_pct: float = _f(20.0, 5.0, 100.0, "%", "regions: infill density under the forefoot")
    offload_infill_pct: float = _f(10.0, 5.0, 100.0, "%", "infill density under each offload site")
    soft_infill_pct: float = _f(10.0, 5.0, 100.0, "%", "pressure: density of the band of highest pressure")
    firm_infill_pct: float = _f(40.0, 5.0, 100.0, "%", "pressure: density of the band of lowest pressure (and the arch, functional)")
    bands: int = _f(3, 2, 5, "", "pressure: how many bands of pressure, each an equal share of the loaded sensors")
    intent: Literal["accommodative", "functional"] = _choice(
        "accommodative", "pressure: accommodative (softer where pressure is high) or functional (the same, and firm under the arch)")
    pattern: Literal["gyroid", "grid", "honeycomb", "rectilinear", "cubic", "triangles"] = _choice("gyroid", "infill pattern of every zone")
    perimeters: int | None = _f(None, 1, 10, "", "perimeters (walls) in every zone (default: the slicer's)")
    material: Literal["TPU 95A", "TPU 85A", "PETG", "PLA"] = _choice("TPU 95A", "the material printed, for each zone's stiffness estimate")


class Prescription(_Section):
    """A validated prescription: one section per feature (``device``, ``arch``, ``heel_cup``,
    ``rearfoot_post``...), each field with its unit, default and range (``insolegen profiles
    --fields``). Immutable; made by ``load_prescription``."""
    version: int = Field(SCHEMA_VERSION, description="prescription schema version", json_schema_extra={"unit": ""})
    device: Device = Device()
    arch: Arch = Arch()
    lateral_arch: LateralArch = LateralArch()
    heel_cup: HeelCup = HeelCup()
    rearfoot_post: RearfootPost = RearfootPost()
    forefoot_post: ForefootPost = ForefootPost()
    medial_skive: MedialSkive = MedialSkive()
    lateral_skive: LateralSkive = LateralSkive()
    heel_lift: HeelLift = HeelLift()
    heel_expansion: HeelExpansion = HeelExpansion()
    met_pad: MetPad = MetPad()
    met_bar: MetBar = MetBar()
    navicular_pad: NavicularPad = NavicularPad()
    cuboid_pad: CuboidPad = CuboidPad()
    accommodations: Accommodations = Accommodations()
    offload: Offload = Offload()
    shoe: Shoe = Shoe()
    cover: Cover = Cover()
    zones: Zones = Zones()

    @field_validator("version")
    @classmethod
    def _version(cls, value):
        if value != SCHEMA_VERSION:
            raise ValueError(f"schema version {value} is not supported; this tool reads version {SCHEMA_VERSION}")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        problems = contradictions(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def forefoot_thickness(self) -> float:
        d = self.device
        return d.base_thickness_mm if d.forefoot_thickness_mm is None else d.forefoot_thickness_mm


def contradictions(p: Prescription) -> list[str]:
    """Combinations of fields that cannot be built, each as a sentence naming the fields."""
    out = []
    acc, dev = p.accommodations, p.device
    if p.arch.height_mm is None and p.arch.fill_frac is None:
        out.append("arch: give arch.height_mm or arch.fill_frac")
    if p.arch.height_mm is not None and p.arch.fill_frac is not None:
        out.append(f"arch.height_mm ({p.arch.height_mm:g}) and arch.fill_frac ({p.arch.fill_frac:g}) "
                   "both set: give one of them")
    if dev.length == "three_quarter":
        for name in ("mortons_extension_mm", "reverse_mortons_mm", "first_ray_cutout_mm"):
            if getattr(acc, name) > 0:
                out.append(f"accommodations.{name} = {getattr(acc, name):g} needs a device under the metatarsal "
                           "heads, but device.length = three_quarter ends behind them")
        if p.forefoot_post.angle_deg != 0:
            out.append(f"forefoot_post.angle_deg = {p.forefoot_post.angle_deg:g} needs a forefoot plate, "
                       "but device.length = three_quarter ends behind the metatarsal heads")
    for name in ("mortons_extension_mm", "reverse_mortons_mm", "first_ray_cutout_mm"):
        if 0 < getattr(acc, name) < MIN_FIRST_RAY_STEP_MM:
            out.append(f"accommodations.{name} = {getattr(acc, name):g} is under {MIN_FIRST_RAY_STEP_MM:g} mm: a step that "
                       "small is one or two printed layers, and within what the forefoot plate varies by; give 0 for none")
    if acc.mortons_extension_mm > 0 and acc.first_ray_cutout_mm > 0:
        out.append("accommodations.mortons_extension_mm and accommodations.first_ray_cutout_mm both raise and "
                   "lower the first ray: give one")
    if acc.mortons_extension_mm > 0 and acc.reverse_mortons_mm > 0:
        out.append("accommodations.mortons_extension_mm and accommodations.reverse_mortons_mm together are a plain "
                   "forefoot raise: give one, or raise device.forefoot_thickness_mm")
    cover = p.cover
    if cover.body == "3mf" and (cover.material != "tpu" or not cover.thickness_mm):
        out.append(f"cover.body = 3mf prints the cover: give cover.material = tpu and a cover.thickness_mm (now "
                   f"{cover.material}, {cover.thickness_mm:g} mm)")
    under = min(dev.base_thickness_mm, p.forefoot_thickness) - MIN_PRINTABLE_THICKNESS_MM
    if cover.thickness_mm > under + 1e-9:
        out.append(f"cover.thickness_mm = {cover.thickness_mm:g} leaves less than {MIN_PRINTABLE_THICKNESS_MM:g} mm of device "
                   f"under the cover: at most {under:g} mm with device.base_thickness_mm = {dev.base_thickness_mm:g} and a "
                   f"{p.forefoot_thickness:g} mm forefoot")
    if p.heel_expansion.lateral_mm > 0 and p.heel_expansion.lateral_pct is not None:
        out.append(f"heel_expansion.lateral_mm ({p.heel_expansion.lateral_mm:g}) and heel_expansion.lateral_pct "
                   f"({p.heel_expansion.lateral_pct:g}) both set: give one of them")
    for name in ("medial_skive", "lateral_skive"):
        skive = getattr(p, name)
        if skive.depth_mm > 0 and skive.angle_deg is not None:
            out.append(f"{name}.depth_mm ({skive.depth_mm:g}) and {name}.angle_deg ({skive.angle_deg:g}) both set: give one of them")
    lateral = p.lateral_skive.depth_mm > 0 or bool(p.lateral_skive.angle_deg)
    if lateral and (p.medial_skive.depth_mm > 0 or p.medial_skive.angle_deg):
        given = [f"{name}.{'angle_deg' if getattr(p, name).angle_deg else 'depth_mm'}" for name in ("medial_skive", "lateral_skive")]
        out.append(f"{given[0]} and {given[1]} together wedge the heel both ways (one varus, one valgus): give one")
    if lateral and p.rearfoot_post.angle_deg > 0:
        out.append(f"lateral_skive with rearfoot_post.angle_deg = {p.rearfoot_post.angle_deg:g} (varus): the skive is a valgus "
                   "wedge and the post a varus one, working against each other; give one, or a level or valgus post")
    if p.rearfoot_post.motion_grind_deg > 0 and p.rearfoot_post.kind != "extrinsic":
        out.append(f"rearfoot_post.motion_grind_deg = {p.rearfoot_post.motion_grind_deg:g} needs "
                   "rearfoot_post.kind = extrinsic")
    if 0 < acc.heel_spur_pocket_mm < MIN_POCKET_MM:
        out.append(f"accommodations.heel_spur_pocket_mm = {acc.heel_spur_pocket_mm:g} is shallower than {MIN_POCKET_MM:g} mm: "
                   "the heel pad compresses more than that under load, so it would not offload the spur (pockets are usually 3-6 mm); "
                   "give 0 for no pocket")
    if "heel" in p.offload.sites and p.offload.depth_mm < MIN_POCKET_MM:
        out.append(f"offload.depth_mm = {p.offload.depth_mm:g} with the heel among offload.sites is shallower than "
                   f"{MIN_POCKET_MM:g} mm: the heel pad compresses more than that under load, so a heel pocket would "
                   "offload nothing (as for accommodations.heel_spur_pocket_mm); give at least 1 mm, or leave the heel out")
    room = dev.base_thickness_mm + p.heel_lift.height_mm - MIN_PRINTABLE_THICKNESS_MM
    if acc.heel_spur_pocket_mm > room + 1e-9:
        out.append(f"accommodations.heel_spur_pocket_mm = {acc.heel_spur_pocket_mm:g} leaves less than "
                   f"{MIN_PRINTABLE_THICKNESS_MM:g} mm under the heel: at most {room:g} mm with "
                   f"device.base_thickness_mm = {dev.base_thickness_mm:g} and heel_lift.height_mm = {p.heel_lift.height_mm:g}")
    room = p.forefoot_thickness - MIN_PRINTABLE_THICKNESS_MM
    if acc.first_ray_cutout_mm > room + 1e-9:
        out.append(f"accommodations.first_ray_cutout_mm = {acc.first_ray_cutout_mm:g} leaves less than "
                   f"{MIN_PRINTABLE_THICKNESS_MM:g} mm under the first ray: at most {room:g} mm with a "
                   f"forefoot thickness of {p.forefoot_thickness:g} mm")
    off = p.offload
    if off.above_kpa is not None and off.above_percentile is not None:
        out.append(f"offload.above_kpa ({off.above_kpa:g}) and offload.above_percentile ({off.above_percentile:g}) both set: give one")
    if "heel" in off.sites and acc.heel_spur_pocket_mm > 0:
        out.append("offload.sites has heel and accommodations.heel_spur_pocket_mm is set: both pocket the heel, give one of them")
    if dev.mode == "shell" and dev.shell_thickness_mm < MIN_PRINTABLE_THICKNESS_MM:
        out.append("device.shell_thickness_mm is below the printable minimum")
    return out


def describe_fields() -> list[dict[str, Any]]:
    """Every field: name, unit, default, range or choices, meaning (for --help, docs and `profiles --fields`)."""
    rows = []
    for section, info in Prescription.model_fields.items():
        if section == "version":
            continue
        for name, f in info.annotation.model_fields.items():
            lo = hi = None
            for m in f.metadata:
                lo = getattr(m, "ge", lo)
                hi = getattr(m, "le", hi)
            ann = str(f.annotation)
            choices = ann.split("Literal[", 1)[1].split("]", 1)[0].replace("'", "") if "Literal[" in ann else None
            if name == "apex_frac":
                lo, hi, choices = 0.35, 0.5, "navicular or a number"
            rows.append({
                "field": f"{section}.{name}", "unit": (f.json_schema_extra or {}).get("unit", ""),
                "default": f.get_default(call_default_factory=True), "min": lo, "max": hi, "choices": choices, "meaning": f.description,
            })
    return rows


def _field_index() -> dict[str, dict[str, Any]]:
    return {row["field"]: row for row in describe_fields()}


def validation_messages(exc: ValidationError, data: dict) -> list[str]:
    """Turn pydantic's errors into sentences naming field, value and what is allowed."""
    index = _field_index()
    messages = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        kind = err["type"]
        row = index.get(loc, {})
        if kind == "extra_forbidden":
            near = difflib.get_close_matches(loc, list(index) + list(Prescription.model_fields), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]}?" if near else f"; known sections: {', '.join(Prescription.model_fields)}"
            messages.append(f"unknown field {loc!r}{hint}")
        elif kind in ("greater_than_equal", "less_than_equal"):
            unit = f" {row['unit']}" if row.get("unit") else ""
            messages.append(f"{loc} = {value!r} is out of range {row['min']:g} … {row['max']:g}{unit} ({row['meaning']})")
        elif kind == "literal_error":
            messages.append(f"{loc} = {value!r} is not allowed; choose one of: {row.get('choices')}")
        elif kind == "value_error" and not loc:
            messages.extend(str(err["ctx"]["error"]).split("; "))
        elif kind == "value_error":
            messages.append(f"{loc}: {err['ctx']['error']}")
        elif kind == "model_type":
            messages.append(f"{loc} must be a section (a table of fields), not {value!r}")
        elif kind.startswith("int_") and isinstance(value, (int, float)) and row.get("min") is not None \
                and not row["min"] <= value <= row["max"]:
            messages.append(f"{loc} = {value!r} is out of range {row['min']:g} … {row['max']:g} (a whole number; {row['meaning']})")
        elif kind.startswith("int_"):
            messages.append(f"{loc} = {value!r}: expected a whole number")
        else:
            expected = "a number" if "float" in kind or "int" in kind else kind.replace("_", " ")
            messages.append(f"{loc} = {value!r}: expected {expected}")
    return messages


def build_prescription(data: dict, source: str = "prescription") -> Prescription:
    """Validate a merged prescription document."""
    try:
        return Prescription.model_validate(data)
    except ValidationError as exc:
        lines = validation_messages(exc, data)
        raise InvalidInput(f"{source}: " + ("\n  ".join([""] + lines) if len(lines) > 1 else lines[0])) from None
