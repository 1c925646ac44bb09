"""One case end to end: inputs (a foot file or a size, arch measurements, a profile and
overrides) -> a Design, the design record and the bytes of every output file. Nothing is
written until the caller says where (``CaseResult.save``)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from insolegen import __version__
from insolegen.device.design import SIDES, Design, design_pair
from insolegen.device.prescription import Prescription
from insolegen.device.profiles import resolve_prescription
from insolegen.device.verify import verify_design
from insolegen.errors import InvalidInput
from insolegen.feet import memo
from insolegen.feet.foot import ArchMeasurements, Foot
from insolegen.feet.footshape import foot_from_size
from insolegen.feet.kinds import foot_kind
from insolegen.feet.read import read_foot, with_given_arch
from insolegen.measure.printing import BED_MARGIN_MM, DEFAULT_PRINTER, Placed, describe_placement, plan_plates, printer
from insolegen.outputs.export import record_bytes, safe_name, stl_bytes, threemf_bytes
from insolegen.record import checked
from insolegen.shoe.fit import Allowances, fit_liner
from insolegen.shoe.styles import DEFAULT_STYLE, beyond_style, style_record

FILE_KINDS = ("stl", "3mf", "json")     # the meshes of each side, the pair as 3MF, the design record
CONTOURS = ("flat", "scan")


def parse_formats(text: str) -> tuple[str, ...]:
    """``all`` or a comma-separated choice of stl, 3mf, json -> the kinds of file to write, in
    FILE_KINDS order."""
    chosen = {part.strip().lower() for part in str(text).split(",") if part.strip()}
    if "all" in chosen:
        return FILE_KINDS
    unknown = sorted(chosen - set(FILE_KINDS))
    if unknown or not chosen:
        raise InvalidInput(f"format {text!r}: use all, or one or more of {', '.join(FILE_KINDS)} separated by commas")
    return tuple(k for k in FILE_KINDS if k in chosen)


@dataclass(frozen=True)
class CaseRequest:
    foot_file: Path | None = None
    size: str | None = None
    width: str = "medium"
    units: str | None = None
    foot_side: str | None = None          # which foot the file shows (None: detect)
    arch: ArchMeasurements = field(default_factory=ArchMeasurements)
    profile: str | None = None
    overrides: tuple[str, ...] = ()
    sides: tuple[str, ...] = SIDES
    formats: str = "all"                  # "all" or a comma-separated choice of stl, 3mf, json
    name: str | None = None
    dpi: float | None = None              # footprint images: pixels per inch, over the file's own
    pitch_mm: float | None = None         # pressure recordings: the sensor pitch
    contour: str = "flat"                 # "scan": the top follows the scanned sole (3D scans)
    # one foot file per side ((side, path), ...): each device from its own foot (a batch case's
    # left.* and right.*); instead of foot_file
    foot_files: tuple[tuple[str, Path], ...] = ()
    case_layer: dict | None = None        # a case's own prescription fields, between profile and overrides
    case_layer_file: Path | None = None   # where they were read (errors in the prescription name it)
    accept_foot: bool = False             # design even from a foot (or landmarks) the population does not hold
    # a clinician's corrections: (landmark, its point in the input's own coordinates, the side it is for or None)
    landmarks: tuple[tuple[str, tuple[float, ...], str | None], ...] = ()
    printer: str = DEFAULT_PRINTER        # the 3MF places the devices on this printer's bed
    pressure_file: Path | None = None     # a pressure recording for offloading and zones (a pressure foot file is its own)
    pressure_statistic: str = "peak"      # peak or mean over the recording's frames
    pressure_unit: str | None = None      # the recording's unit (kPa, N/cm2, psi): the file does not store it
    shoe_file: Path | None = None         # the shoe's sock-liner (a tracing, a photo, a mesh or a last): the outline's limit
    accept_shoe: bool = False             # make a prescription beyond its shoe style's limits (a warning, not a refusal)


@dataclass(frozen=True)
class CaseResult:
    name: str
    design: Design
    record: dict
    files: dict[str, bytes]      # file name -> bytes
    designs: dict[str, Design] = field(default_factory=dict)   # side -> its design (one shared by a mirrored pair)
    name_note: str | None = None   # set when the name asked for (or the file's) was made safe

    @property
    def devices(self) -> dict:
        """side -> Device (vertices (n, 3) and faces (m, 3) in mm, in that side's own frame)."""
        return {side: self.designs[side].devices[side] for side in self.record["inputs"]["sides"]}

    @property
    def verification(self) -> dict:
        """The independent measurement of the device beside the prescription (``measure``)."""
        return self.record["prescribed_vs_measured"]

    def save(self, out: str | Path, *, force: bool = False) -> list[Path]:
        """Write the case's files into the folder ``out`` (made if missing) as one unit: all of
        them from this case or none, never beside another design's files of the same case (see
        ``outputs.export.write_case``); refuse (InvalidInput, nothing written) when any exists,
        unless ``force``. Returns the paths written.

        >>> import tempfile, insolegen
        >>> case = insolegen.design(insolegen.foot_from_size("MP250"), name="demo", formats="stl,json")
        >>> out = tempfile.mkdtemp()
        >>> [p.name for p in case.save(out)]
        ['demo_left.stl', 'demo_right.stl', 'demo.json']
        >>> case.save(out)
        Traceback (most recent call last):
        insolegen.errors.InvalidInput: ...demo_left.stl exists; use --force to overwrite
        """
        from insolegen.outputs.export import write_case

        return write_case(Path(out), self.name, self.files, force=force, option="out")


def case_name(request: CaseRequest) -> tuple[str, str | None]:
    """(the case's file name, a note when what was asked for had to be made safe)."""
    if request.name:
        asked, what = request.name, "the name given"
    elif request.foot_files:
        asked, what = Path(request.foot_files[0][1]).parent.name, "the folder name"
    elif request.foot_file is not None:
        asked, what = Path(request.foot_file).stem, "the file name"
    else:
        asked, what = f"{(request.size or 'EU42').upper()}_{request.width}", "the size"
    name = safe_name(asked)
    return name, None if name == asked else f"named {name}: {what} {asked!r} is not a safe file name"


def output_names(name: str, sides: tuple[str, ...], formats: str) -> list[str]:
    kinds = parse_formats(formats)
    names = []
    if "stl" in kinds:
        names += [f"{name}_{side}.stl" for side in sides]
    if "3mf" in kinds:
        names.append(f"{name}.3mf")             # or a plate each, where the pair does not fit one bed
        names += [f"{name}_{side}.3mf" for side in sides] if len(sides) > 1 else []
    if "json" in kinds:
        names.append(f"{name}.json")
    return names


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def design_case(request: CaseRequest, record_extra: dict | None = None) -> CaseResult:
    """The case's design, record and file bytes; ``record_extra`` adds sections to the record
    (a batch's input fingerprint)."""
    name, feet, rx, provenance, foot_input, kinds, name_note = _read_inputs(request)
    return design_feet(name, feet, rx, provenance, foot_input, request, kinds, record_extra, name_note)


def check_inputs(request: CaseRequest) -> None:
    """Refuse, with ``design_case``'s own message, what it would refuse before designing: the
    names, the prescription, the foot files, the landmarks and a foot the population does not
    hold (the order service checks an order so when it is submitted)."""
    _read_inputs(request)


def read_feet(request: CaseRequest) -> list:
    """The request's feet as its design reads them, corrections applied: [(foot, its sides, its
    scanned sole or None)]; refused as ``design_case`` refuses them."""
    return _read_inputs(request)[1]


def _read_inputs(request: CaseRequest):
    """(name, the feet with their sides and soles, prescription, provenance, the record's input
    section, file kinds, name note): everything a design starts from, read and checked."""
    kinds = parse_formats(request.formats)
    for option, value, example in (("--size", request.size, "EU42"), ("--name", request.name, "Smith_J")):
        if value is not None and not value.strip():
            raise InvalidInput(f"{option} is empty: give a value, for example {example}, or leave the option out")
    name, name_note = case_name(request)
    try:
        rx, provenance = resolve_prescription(request.profile, list(request.overrides), request.case_layer)
    except InvalidInput as exc:
        if request.case_layer_file is None:
            raise
        raise InvalidInput(f"{request.case_layer_file}: {exc}") from None
    if request.case_layer:
        provenance = {**provenance, "case_prescription": request.case_layer}
    arch = None if request.arch.is_empty() else request.arch
    if request.contour not in CONTOURS:
        raise InvalidInput(f"contour {request.contour!r} is not one of {', '.join(CONTOURS)}")
    feet, foot_input = _read_feet(request, arch)
    feet = corrected_feet(_paired(feet), request.landmarks)
    if not request.accept_foot:
        for foot, _, _ in feet:
            refuse_implausible(foot)
    return name, feet, rx, provenance, foot_input, kinds, name_note


def design(foot: Foot, prescription: Prescription | str | None = None, *, sides: tuple[str, ...] = SIDES,
           name: str = "case", formats: str = "all", accept_foot: bool = False,
           printer: str = DEFAULT_PRINTER, pressure=None, accept_landmarks: bool | None = None,
           shoe: str | Path | None = None, accept_shoe: bool = False) -> CaseResult:
    """Design, verify and serialise the devices for one foot: the Python form of ``insolegen design``.

    ``prescription`` is a Prescription (``load_prescription``), a profile's name or TOML path, or
    None for the ``neutral`` profile. ``sides``: the devices to make (the other is the exact
    mirror image). ``name`` names the files (made safe); ``formats`` is ``all`` or a comma-separated
    choice of stl, 3mf, json; the 3MF places the devices on ``printer``'s bed (a plate each where
    the pair does not fit one); ``pressure`` (``read_pressure_map``, on this foot) places
    the prescription's pressure-driven offloading and zones; ``shoe`` (a sock-liner's tracing or
    photo, as ``--shoe``) limits the outline to it less ``shoe.allowance_*``; a prescription beyond
    its ``shoe.style``'s limits is refused unless ``accept_shoe``. A foot beyond the population, or with
    implausible landmarks, is refused unless ``accept_foot`` (``accept_landmarks``: its old name).
    Raises InvalidInput or DesignFailed; writes nothing (``.save`` does).

    >>> import insolegen
    >>> case = insolegen.design(insolegen.foot_from_size("EU40"), "pronation-mild", name="pat 7")
    >>> case.name, sorted(case.files)
    ('pat_7', ['pat_7.3mf', 'pat_7.json', 'pat_7_left.stl', 'pat_7_right.stl'])
    >>> [c["quantity"] for c in case.verification["checks"] if c["compared"] and not c["ok"]]
    []
    """
    bad = [s for s in sides if s not in SIDES]
    if bad or not sides:
        raise InvalidInput(f"sides {tuple(sides)!r}: each must be one of {', '.join(SIDES)}")
    if not (accept_foot or accept_landmarks):
        refuse_implausible(foot)
    if isinstance(prescription, Prescription):
        rx, provenance = prescription, {"profile": None, "profile_files": [], "overrides": [],
                                        "prescription_how": "given as a Prescription object (the record holds it whole)"}
    else:
        rx, provenance = resolve_prescription(prescription, [])
    request = CaseRequest(foot_side=foot.side, sides=tuple(sides), formats=formats, name=name, printer=printer,
                          shoe_file=None if shoe is None else Path(shoe), accept_shoe=accept_shoe)
    safe, note = case_name(request)
    foot_input = {"kind": "foot", "source": foot.source}
    if pressure is not None:
        foot_input["pressure"] = {"file": pressure.source}
    return design_feet(safe, [(foot, tuple(sides), None)], rx, provenance, foot_input, request, parse_formats(formats),
                       name_note=note, pressure=pressure)


def refuse_implausible(foot: Foot) -> None:
    """Features are placed from landmarks on an outline: refuse a foot the population does not hold
    or whose landmarks do not fit a human foot, with the numbers and the likely cause."""
    if foot.implausible:
        reasons = "; ".join(m.removeprefix("implausible landmarks: ").removeprefix("implausible foot: ") for m in foot.implausible)
        what = "implausible landmarks" if all(m.startswith("implausible landmarks") for m in foot.implausible) else "implausible foot"
        cause = next((w for w in foot.warnings if w.startswith("likely cause:")), None)
        raise InvalidInput(f"{foot.source}: {what} ({reasons}); features would be placed from them. "
                           + (f"{cause[0].upper()}{cause[1:]}. " if cause else
                              "Check the input (units, scale, side, a torn or partial outline). ")
                           + "Give --accept-foot (batch: [input] accept_foot = true) to design from it anyway")


def _by_side(feet: list) -> dict | None:
    """{"left": foot, "right": foot} when ``feet`` are one person's left and right foot, else None."""
    sides = {foot.side: foot for foot, _, _ in feet}
    return sides if len(feet) == 2 and set(sides) == {"left", "right"} else None


def _paired(feet: list) -> list:
    """Both feet of one person (an image of both, a file per side): each informed by the other's
    evidence where its own is weak (feet.pair)."""
    pair = _by_side(feet)
    if pair is None:
        return feet
    from insolegen.feet.pair import inform_each_other

    informed = dict(zip(("left", "right"), inform_each_other(pair["left"], pair["right"])))
    return [(informed[foot.side], sides, sole) for foot, sides, sole in feet]


def corrected_feet(feet: list, corrections) -> list:
    """``feet`` ([(foot, sides, sole)]) with a clinician's landmark corrections applied: each to the
    foot of its side, or (no side given) to the foot whose outline lies nearest to its point."""
    if not corrections:
        return feet
    import shapely

    from insolegen.feet.foot import correct_landmarks

    chosen: dict[int, dict] = {}
    for name, coords, side in corrections:
        candidates = [k for k, (foot, sides, _) in enumerate(feet) if side is None or side in sides or foot.side == side]
        if not candidates:
            raise InvalidInput(f"landmark {name} is for the {side} foot, and no {side} foot is designed here")

        def distance(k: int) -> float:
            foot = feet[k][0]
            xy = foot.to_canonical(foot.from_source(coords, f"landmark {name}")[None])[0]
            return float(shapely.Polygon(foot.outline).distance(shapely.Point(xy)))

        chosen.setdefault(min(candidates, key=distance), {})[name] = coords
    return [(correct_landmarks(foot, chosen[k]) if k in chosen else foot, sides, sole)
            for k, (foot, sides, sole) in enumerate(feet)]


def parse_landmark(text: str) -> tuple[str, tuple[float, ...]]:
    """``NAME=X,Y`` (or ``NAME=X,Y,Z`` for a 3D scan) -> (name, coordinates)."""
    name, eq, values = str(text).partition("=")
    try:
        coords = tuple(float(v) for v in values.split(","))
    except ValueError:
        coords = ()
    if not eq or not name.strip() or len(coords) not in (2, 3):
        raise InvalidInput(f"--landmark {text!r}: give NAME=X,Y in the input's own coordinates (X,Y,Z for a 3D scan), "
                           "for example --landmark mth1_head=812.5,1400 (see `insolegen scan FILE --json`)")
    return name.strip(), coords


def design_feet(name, feet, rx, provenance, foot_input, request: CaseRequest, kinds, record_extra=None,
                name_note=None, pressure=None) -> CaseResult:
    """Design, verify and serialise: ``feet`` is [(foot, the sides made from it, its scanned sole or None)];
    ``pressure``: a recording already on the foot (else the request's, read here)."""
    beyond = _beyond_the_shoe(rx, request.accept_shoe)
    designs = {}
    verifications = {}
    liner = _liner(request)
    for foot, sides, sole in feet:
        on_foot = pressure if pressure is not None else _pressure_on(foot, request, foot_input)
        shoe = None if liner is None else fit_liner(liner, foot, Allowances.of(rx), sides)
        design = design_pair(foot, rx, sides, sole, on_foot, name, shoe)
        verifications[sides] = verify_design(design)
        designs.update({side: design for side in sides})
    devices = {side: designs[side].devices[side] for side in request.sides}
    _refuse_what_measure_refuses(devices)
    primary = designs["right"] if "right" in designs else designs[request.sides[0]]

    files: dict[str, bytes] = {}
    if "stl" in kinds:
        for side, dev in devices.items():
            files[f"{name}_{side}.stl"] = stl_bytes(dev.vertices, dev.faces, f"{name} {side}")
        if primary.cover is not None:
            files.update(cover_templates(name, primary, devices))
    plates = None
    if "3mf" in kinds:
        covers = cover_bodies(primary, devices) if rx.cover.body == "3mf" else None
        plate_files, plates = bed_plates(name, devices, request.printer, zone_volumes(primary, devices), covers)
        files.update(plate_files)
    record = design_record(name, primary, devices, foot_input, request, provenance, files)
    if plates is not None:
        record["printing"] = plates
    record["prescribed_vs_measured"] = next(v for sides, v in verifications.items() if primary.devices.keys() == set(sides))
    pair = _by_side(feet)
    if pair is not None:
        from insolegen.feet.pair import compare_feet

        record["feet_compared"] = compare_feet(pair["left"], pair["right"])
    if len(feet) > 1:
        # each device from its own foot: the top-level foot, derived and verification are the right one's
        record["per_side_feet"] = {
            side: {"foot": foot_section(designs[side].foot), "derived": derived_section(designs[side]),
                   "prescribed_vs_measured": verifications[sides]}
            for sides in verifications for side in sides}
    if primary.context.sole is not None:
        record["contour"] = contour_record(primary)
    if liner is not None:
        record["shoe"] = shoe_record(liner, request.shoe_file, primary)
    if beyond or rx.shoe.style != DEFAULT_STYLE:
        record["shoe_style"] = style_record(rx, beyond)
    if primary.context.pressure is not None:
        record["pressure"] = primary.context.pressure.summary()
    if primary.zones:
        from insolegen.device.zones import zones_record

        record["zones"] = zones_record(primary)
    if primary.context.offload:
        off = primary.prescription.offload
        record["offload"] = {"depth_mm": off.depth_mm, "wall_mm": off.wall_mm,
                             "sites": [s.as_dict() for s in primary.context.offload], **primary.context.offload_info}
    if name_note:
        record["name_note"] = name_note
    record.update(record_extra or {})
    record = checked(record)              # the typed record (insolegen.record): a record that does not fit is a bug
    if "json" in kinds:
        files[f"{name}.json"] = record_bytes(record)
    return CaseResult(name, primary, record, files, designs, name_note)


def _liner(request: CaseRequest):
    """The request's sock-liner (shoe.read.Liner), or None."""
    if request.shoe_file is None:
        return None
    from insolegen.shoe.read import read_liner

    return read_liner(request.shoe_file)            # its own scale: a photo's marker, not the foot image's --dpi


def _beyond_the_shoe(rx, accepted: bool) -> list:
    """The prescription's fields beyond its shoe style's limits (``shoe.styles``): refused with each
    limit's reason and source, or, with ``accepted`` (--accept-shoe), returned for the record's warning."""
    beyond = beyond_style(rx)
    if beyond and not accepted:
        style = rx.shoe.style
        raise InvalidInput(f"shoe.style = {style}: " + "; ".join(b.message(style) for b in beyond)
                           + ". Lower the field, give another shoe.style, or --accept-shoe to make it anyway (a warning in the "
                           "record and the report)")
    return beyond


def shoe_record(liner, path, design: Design) -> dict:
    """The shoe: its file, its side, the registration on the foot with its residual, the
    allowances, and the liner's and the device's outlines (the foot's canonical frame)."""
    fit = design.shoe
    return {**_file_input(path), "side": liner.side,
            "side_how": liner.side_how, "length_mm": _r(fit.length_mm, 2),
            "registration": {"turn_deg": _r(fit.turn_deg, 3), "shift_mm": _r(fit.shift_mm, 2), "residual_mm": _r(fit.residual_mm, 2),
                             "how": "heel to heel, the liner's midline fitted to the foot's over the heel and the ball"},
            "allowances_mm": {k.removesuffix("_mm"): v for k, v in vars(fit.allowances).items()},
            "liner_mm": np.round(fit.liner, 2).tolist()}


def _refuse_what_measure_refuses(devices: dict) -> None:
    """A device `insolegen measure` would not read as an insole is never delivered (the design's own
    verification measured its shape; a mesh file's size is checked when it is read)."""
    from insolegen.errors import DesignFailed
    from insolegen.measure.load import INSOLE_EXTENT_MM

    for side, dev in devices.items():
        lo, hi = dev.bounds
        extent = float(np.max(hi - lo))
        if not INSOLE_EXTENT_MM[0] <= extent <= INSOLE_EXTENT_MM[1]:
            raise DesignFailed(f"the {side} device would be {extent:.0f} mm long, which `insolegen measure` refuses as not an "
                               f"insole ({INSOLE_EXTENT_MM[0]:g}-{INSOLE_EXTENT_MM[1]:g} mm); check the foot's scale")


def _pressure_on(foot, request: CaseRequest, foot_input: dict):
    """The case's pressure recording on ``foot`` (feet.pressure.read_pressure_map), or None: the
    --pressure file, registered to the foot; or the foot file itself when it is a recording."""
    from insolegen.feet.pressure import read_pressure_map

    own = request.foot_file if request.foot_file is not None and foot_kind(Path(request.foot_file)) == "pressure" else None
    path = request.pressure_file or own
    if path is None:
        return None
    same = own is not None and Path(path).resolve() == Path(own).resolve()
    pressure = read_pressure_map(path, request.pitch_mm, foot, statistic=request.pressure_statistic,
                                 unit=request.pressure_unit, is_foot_input=same)
    foot_input.setdefault("pressure", {"file": Path(path).name, "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()})
    return pressure


def zone_volumes(design: Design, devices: dict) -> dict | None:
    """side -> the modifier volumes of the design's print zones on that device (prisms through its
    whole height, the left's mirrored), or None when it has no zones."""
    from insolegen.device.zones import prism

    if not design.zones:
        return None
    out = {}
    for side, dev in devices.items():
        top = float(dev.vertices[:, 2].max()) + 1.0
        out[side] = [(z.name, *prism(z.polygon, -1.0, top, mirror_y=side == "left"), z.slicer_settings()) for z in design.zones]
    return out


def cover_templates(name: str, design: Design, devices: dict) -> dict[str, bytes]:
    """Each device's top-cover cutting template (DXF and SVG, 1:1), its outline the right frame's
    mirrored for a left device."""
    from insolegen.outputs.cover_template import template_dxf, template_svg

    cover = design.prescription.cover
    files = {}
    for side in devices:
        outline = design.cover.outline * ([1.0, -1.0] if side == "left" else [1.0, 1.0])
        label = f"{name} {side.upper()[0]}: top cover, {cover.thickness_mm:g} mm {cover.material}, {cover.length}, 1:1 mm"
        files[f"{name}_{side}_cover.dxf"] = template_dxf(outline, label)
        files[f"{name}_{side}_cover.svg"] = template_svg(outline, label)
    return files


COVER_PART = {"volume_type": "ModelPart", "extruder": "2"}     # PrusaSlicer: a part of the device's object, its own material


def cover_bodies(design: Design, devices: dict) -> dict:
    """side -> (vertices, faces) of the printed cover body, where it lies on that side's device."""
    from insolegen.device.design import mirror

    return {side: design.cover.body if side == "right" else mirror(*design.cover.body) for side in devices}


def bed_plates(name: str, devices: dict, printer_name: str, zones: dict | None = None,
               covers: dict | None = None) -> tuple[dict[str, bytes], dict]:
    """The 3MF files for the printer's bed and the record's account of them: the pair on one
    plate (CASE.3mf) where both fit at one turn, else a plate each (CASE_left.3mf, CASE_right.3mf),
    each device turned for room. A device that fits the bed at no turn lies as it is, at the
    bed's corner, and is named in ``not_on_bed``."""
    build = printer(printer_name).build_mm
    sides = list(devices)
    plates, unplaced = plan_plates([devices[s].vertices[:, :2] for s in sides],
                                   [float(devices[s].vertices[:, 2].max()) for s in sides], build)
    for k in unplaced:
        lo = devices[sides[k]].vertices.min(axis=0)
        plates.append([Placed(k, 0.0, round(BED_MARGIN_MM - float(lo[0]), 3), round(BED_MARGIN_MM - float(lo[1]), 3))])
    files, section = {}, {"printer": printer_name, "bed_mm": list(build), "plates": [],
                          "not_on_bed": [sides[k] for k in unplaced]}
    for plate in sorted(plates, key=lambda pl: pl[0].index):
        file_name = f"{name}.3mf" if len(plate) == len(sides) else f"{name}_{sides[plate[0].index]}.3mf"
        objects = [(f"{name}_{sides[p.index]}", devices[sides[p.index]].vertices, devices[sides[p.index]].faces) for p in plate]
        volumes = [list(zones[sides[p.index]]) if zones else [] for p in plate]
        if covers:      # each printed cover a part of its device's object, lying on it, printed with the second extruder
            for p, parts in zip(plate, volumes):
                parts.append((f"{name}_{sides[p.index]}_cover", *covers[sides[p.index]], COVER_PART))
        files[file_name] = threemf_bytes(objects, plate, volumes if any(volumes) else None)
        section["plates"].append({"file": file_name, "devices": [
            {"side": sides[p.index], "turn_deg": p.turn_deg, "x_mm": p.x_mm, "y_mm": p.y_mm,
             "placement": ("does not fit the bed at any turn" if p.index in unplaced
                           else describe_placement(p.turn_deg, build, "heel-to-toe axis"))}
            for p in plate]})
    return files, section


def read_key(request: CaseRequest, arch=None) -> tuple | None:
    """What a read of the request's foot files depends on (``feet.memo``), or None for a size."""
    paths = [path for _, path in request.foot_files] or ([request.foot_file] if request.foot_file is not None else [])
    files = memo.files_key(paths) if paths else None
    if files is None:
        return None
    arch = None if arch is None or arch.is_empty() else arch
    return (files, tuple(side for side, _ in request.foot_files), request.units, request.dpi, request.pitch_mm,
            request.contour, request.foot_side, tuple(request.sides), repr(arch))


def _read_feet(request: CaseRequest, arch):
    """``_read_feet_anew``'s answer, remembered by the files' bytes and the options (a redesign of
    an order reads nothing again)."""
    key = read_key(request, arch)
    found = memo.FEET.get(key)
    if found is None:
        found = _read_feet_anew(request, arch)
        memo.FEET.put(key, found)
    return found


def _read_feet_anew(request: CaseRequest, arch):
    """([(foot, the sides designed from it, its scanned sole or None)], the record's input section).
    A footprint image of both feet, with no --foot-side, gives each device its own foot; so do
    one file per side."""
    if request.foot_file is None and not request.foot_files:
        if request.contour == "scan":
            raise InvalidInput("--contour scan follows a scanned sole: give a 3D scan (.stl, .ply, .obj), not a size")
        size = request.size or "EU42"
        foot = foot_from_size(size, request.width, request.foot_side or "right")
        if arch is not None:
            foot = foot.with_arch(arch)
        return [(foot, request.sides, None)], {"kind": "size", "size": size.upper(), "width": request.width}
    if request.size:
        raise InvalidInput("give a foot file or --size, not both")
    if request.foot_files:
        by_side = dict(request.foot_files)
        missing = [side for side in request.sides if side not in by_side]
        if missing or request.foot_file is not None:
            raise InvalidInput(f"one foot file per side: none for the {' and '.join(missing)} side" if missing
                               else "give one foot file, or one per side, not both")
        feet = []
        for side in request.sides:
            foot, sole = _foot_and_sole(by_side[side], side, request, arch)
            feet.append((foot, (side,), sole))
        foot_input = {"kind": "file per side", "units": request.units, **_scales(request),
                      "files": {side: _file_input(by_side[side]) for side in request.sides}}
        return feet, foot_input
    path = Path(request.foot_file)
    both = None if request.contour == "scan" else _both_feet_of_an_image(request, arch)
    if both is not None:
        feet = [(foot, sides, None) for foot, sides in both]
    else:
        foot, sole = _foot_and_sole(path, request.foot_side, request, arch)
        feet = [(foot, request.sides, sole)]
    return feet, {"kind": "file", **_file_input(path), "units": request.units, **_scales(request)}


def _scales(request: CaseRequest) -> dict:
    """The scales a reading was given (an image's DPI, a plate's sensor pitch): the record keeps
    what the foot's size was read with."""
    return {k: v for k, v in (("dpi", request.dpi), ("pitch_mm", request.pitch_mm)) if v is not None}


def _file_input(path) -> dict:
    path = Path(path)
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _foot_and_sole(path, side, request: CaseRequest, arch):
    """(the foot a file shows, its scanned sole when the top follows the scan, else None)."""
    if request.contour == "scan":
        return _scanned_foot_and_sole(path, side, request.units, arch)
    return read_foot(path, units=request.units, side=side, arch=arch, dpi=request.dpi, pitch_mm=request.pitch_mm), None


def _both_feet_of_an_image(request: CaseRequest, arch):
    """[(left foot, ("left",)), (right foot, ("right",))] for the sides asked, when the file is an
    image of a left and a right footprint and no --foot-side picks one; else None."""
    from insolegen.feet.image import feet_from_image

    path = Path(request.foot_file)
    if request.foot_side is not None or not path.is_file() or foot_kind(path) != "image":
        return None
    _, found = feet_from_image(path, request.dpi)
    if len(found) != 2 or {f.side for f in found} != {"left", "right"}:
        return None
    by_side = {f.side: with_given_arch(f, arch) for f in found}
    return [(by_side[side], (side,)) for side in request.sides]


def _scanned_foot_and_sole(path, side, units, arch):
    from insolegen.device.contour import sole_surface
    from insolegen.feet.scan3d import read_scan

    if foot_kind(path) != "scan":
        raise InvalidInput(f"--contour scan follows a scanned sole: {Path(path).name} is not a 3D scan "
                           "(.stl, .ply, .obj); use --contour flat for outlines, images and pressure maps")
    scan = read_scan(path, units, side)
    return with_given_arch(scan.foot, arch), sole_surface(scan.vertices, scan.faces)


def contour_record(design: Design) -> dict:
    """How the top was made to follow the scan, and how far the device's top (measured from
    its mesh) stands above (+) or below (-) the scanned sole seated on the base, by region."""
    from insolegen.device import contour
    from insolegen.device.features import base
    from insolegen.geometry.raster import height_maps

    plan, ctx = design.plan, design.context
    top = height_maps(*design.right_frame_mesh(), contour.GRID_MM)
    seat = base.field(SimpleNamespace(x=top.xs), ctx)
    deviation = contour.deviation_by_region(top, ctx.sole, seat, ctx.length,
                                            lambda x: 0.5 * (plan.medial_border(x) + plan.lateral_border(x)))
    return {
        "mode": "scan: the top follows the scanned plantar surface (total contact)",
        "smoothing_sigma_mm": contour.SMOOTH_SIGMA_MM,
        "rim_hold_mm": contour.RIM_HOLD_MM,
        "rim_how": f"within {contour.RIM_HOLD_MM:g} mm of the sole's border the surface is held at the height it has "
                   "there (the foot's side turns up; walls are the heel cup's and flanges')",
        "deviation_how": "device top (from its mesh, 1 mm grid) minus the raw scanned sole seated on the base "
                         "thickness; + where the device stands above the sole (fill, posting, pads, cup), - a gap",
        "deviation_by_region": deviation,
        "deviation_parts": f"each region whole, and apart: its interior, and its rim (within {contour.RIM_REPORT_MM:g} mm of "
                           "the device's edge, where the foot's side turns up and the device is held level)",
    }


def foot_section(foot) -> dict:
    from insolegen.feet.foot import population_values
    from insolegen.feet.population import population_z

    values = population_values(foot.outline, foot.landmarks, foot.measures)
    return {
        "source": foot.source,
        "side": foot.side, "side_how": foot.side_how, "side_confidence": foot.side_confidence,
        "measures": {k: m.as_dict() for k, m in foot.measures.items()},
        "landmarks": foot.landmarks_dict(),
        "population": {"values": {k: _r(v, 4) for k, v in values.items()},
                       "z": {k: _r(v, 2) for k, v in population_z(values).items()},
                       "against": "ANSUR II, 6,068 adults (feet.priors.POPULATION); refused beyond 3.5 SD unless accepted"},
        "implausible_landmarks": list(foot.implausible),
        **({"outline_how": foot.outline_how} if foot.outline_how else {}),
        "pins": foot.pins,
        "indices": foot.indices,
        "warnings": list(foot.warnings),
        "notes": list(foot.notes),
    }


def derived_section(design: Design) -> dict:
    from insolegen.device import features

    return {
        "arch": {k: (_r(v) if isinstance(v, float) else v) for k, v in design.context.arch.as_record().items()},
        # where each feature was made (right foot's frame): what the pictures and the view draw
        "features": features.places(design.context),
        # the device's edge in the right foot's frame (the left device's is this with y -> -y)
        "device_outline_mm": np.round(design.plan.outline, 2).tolist(),
    }


def design_record(name, design: Design, devices: dict, foot_input, request: CaseRequest, provenance, files) -> dict:
    devices_section = {}
    for side, dev in devices.items():
        lo, hi = dev.bounds
        devices_section[side] = {
            "files": {fn: hashlib.sha256(b).hexdigest() for fn, b in files.items()
                      if fn in (f"{name}_{side}.stl", f"{name}_{side}.3mf", f"{name}.3mf")},
            "vertices": int(len(dev.vertices)),
            "faces": int(len(dev.faces)),
            "length_mm": _r(hi[0] - lo[0]), "width_mm": _r(hi[1] - lo[1]), "height_mm": _r(hi[2]),
            "bounds_mm": [[_r(v) for v in lo], [_r(v) for v in hi]],
            "checks": dev.checks.as_dict(),
        }
    return {
        "tool": {"name": "insolegen", "version": __version__},
        "case": name,
        "inputs": {
            "foot": foot_input,
            "foot_side": request.foot_side,
            "arch_measurements": design.foot.arch.as_dict(),
            "sides": list(request.sides),
            "contour": request.contour,
            **({"landmark_corrections": [{"landmark": n, "source": list(c), "side": sd} for n, c, sd in request.landmarks]}
               if request.landmarks else {}),
            **provenance,
        },
        "prescription": design.prescription.model_dump(),
        "foot": foot_section(design.foot),
        "derived": derived_section(design),
        "devices": devices_section,
        "frame": "mm; heel at x = 0, toes toward +x, ground z = 0; medial +y (right), -y (left)",
    }
