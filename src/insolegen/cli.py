"""The command line: parses options, calls the library, prints. Exit codes: 0 ok, 1 invalid
input or failed design, 2 usage, 3 an internal error (a bug: its traceback goes to a log file)."""
from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from insolegen import __version__
from insolegen.console import (
    BatchProgress,
    err,
    landmark_table,
    out,
    print_batch_summary,
    print_feet,
    print_measurements,
    print_shoe_fit,
    print_summary,
    working,
)
from insolegen.errors import InsolegenError, InvalidInput
from insolegen.measure.catalogue import MATERIALS, PRINTERS
from insolegen.shoe.styles import STYLES

app = typer.Typer(
    name="insolegen",
    help="Design watertight, print-ready custom orthotic insoles from a foot and a prescription.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,        # help text prints as written: "[input]" and "[default: EU42]" are not markup
)


# the options that take one of a fixed set: typer lists the values in the help and exits 2 on
# anything else, naming the option (matched ignoring case)
Width = StrEnum("Width", {v: v for v in ("narrow", "medium", "wide")})
Units = StrEnum("Units", {v: v for v in ("mm", "cm", "m", "in")})
Sides = StrEnum("Sides", {v: v for v in ("left", "right", "both")})
FootSide = StrEnum("FootSide", {v: v for v in ("left", "right")})
FootSideOrAuto = StrEnum("FootSideOrAuto", {v: v for v in ("left", "right", "auto")})
PressureStat = StrEnum("PressureStat", {v: v for v in ("peak", "mean")})
PressureUnit = StrEnum("PressureUnit", {v: v for v in ("kPa", "N/cm2", "psi")})
Contour = StrEnum("Contour", {v: v for v in ("flat", "scan")})
Colour = StrEnum("Colour", {v: v for v in ("height", "thickness", "none")})
View = StrEnum("View", {v: v for v in ("top", "medial", "lateral", "posterior", "iso", "all")})
MaterialName = StrEnum("MaterialName", {v: v for v in MATERIALS})
PrinterName = StrEnum("PrinterName", {v: v for v in PRINTERS})
ShoeStyle = StrEnum("ShoeStyle", {v: v for v in STYLES})


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(1)


def _examples(epilog: str) -> str:
    """An epilog whose example lines (indented ``insolegen ...``) the help never rewraps: each
    example's comment goes on its own line above it, and click's ``\\b`` marks the pair as a
    block printed as written. Prose paragraphs still wrap to the terminal."""
    blocks = []
    for para in epilog.strip("\n").split("\n\n"):
        lines = para.split("\n")
        if not all(line.startswith("  insolegen") for line in lines):
            blocks.append(para)
            continue
        shown = []
        for line in lines:
            command, _, comment = line.partition("  # ")
            if not comment:
                command, _, comment = line.partition("   # ")
            shown += ([f"  # {comment.strip()}"] if comment.strip() else []) + [command.rstrip()]
        blocks.append("\b\n" + "\n".join(shown))
    return "\n\n".join(blocks)


def _deprecated(old: str, new: str) -> None:
    """One line on stderr: an old option spelling still works for this release."""
    err.print(f"note: {old} is deprecated here; use {new} (the old spelling goes in the next release)",
              markup=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"insolegen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """insolegen: a foot (outline file or shoe size) + a prescription -> a pair of insoles (STL, 3MF, design record)."""


DESIGN_EPILOG = """
Examples:

  insolegen design                                   # EU42 medium foot, neutral profile, into output/

  insolegen design --size EU42 --profile pronation-moderate --out OUT

  insolegen design --size US10W --set arch.height_mm=28 --set heel_cup.depth_mm=16

  insolegen design foot.csv --arch-height-mm 22 --arch-apex-mm 112 --set arch.fill_frac=0.8

  insolegen design tracing.svg --foot-side left --side left --format stl --name pat042

  insolegen design "Smith J (L).stl" --contour scan --report   # total contact; files named Smith_J_L

  insolegen design foam.jpg --landmark mth1_head=812,1402   # a clinician's correction, in the image's pixels

  insolegen design tracing.csv --pressure plate.csv --pitch-mm 5.7 --set offload.above_percentile=95

  insolegen design foot.csv --shoe sockliner.svg --set shoe.allowance_toe_mm=3   # cut to fit the patient's shoe
  insolegen design --set shoe.style=dress --set heel_cup.depth_mm=10              # a dress shoe's limits apply

  insolegen design --size EU42 --set zones.layout=regions --set device.label=auto --printer prusa-mk4

--side says which devices to make (the other side is the exact mirror image); --foot-side says
which foot the file shows (default: detected from its shape).
"""

REPORT_MATERIAL_HELP = "Material for the report's mass (see `insolegen measure --help`)."
REPORT_PRINTER_HELP = "Printer for the report's printability verdict (see `insolegen measure --help`)."


@app.command(epilog=_examples(DESIGN_EPILOG))
def design(
    foot_file: Optional[Path] = typer.Argument(None, help="Foot: outline (.csv, .json, .svg, .dxf), 3D scan (.stl, .ply, .obj), footprint image (.png, .jpg) or pressure recording (.csv, with --pitch-mm). Omit to use --size."),
    size: Optional[str] = typer.Option(None, "--size", help="Shoe size when no file is given: EU42, UK8, US9M, US10W, MP270. [default: EU42]"),
    width: Width = typer.Option("medium", "--width", case_sensitive=False, help="Width class of the size's foot: narrow, medium, wide (ANSUR II 10th/50th/90th percentile)."),
    units: Optional[Units] = typer.Option(None, "--units", case_sensitive=False, help="Units of the foot file: mm, cm, m, in (default: the file's, else mm; metres detected for scans)."),
    side: Sides = typer.Option("both", "--side", case_sensitive=False, help="Which devices to make: left, right or both."),
    foot_side: Optional[FootSide] = typer.Option(None, "--foot-side", case_sensitive=False, help="Which foot the file shows: left or right (default: detected from the shape). In an image of both feet it picks one."),
    arch_height_mm: Optional[float] = typer.Option(None, "--arch-height-mm", help="Measured: plantar surface height at the medial arch apex, weight-bearing (mm)."),
    arch_apex_mm: Optional[float] = typer.Option(None, "--arch-apex-mm", help="Measured: the arch apex's distance from the heel (mm)."),
    arch_start_mm: Optional[float] = typer.Option(None, "--arch-start-mm", help="Measured: where the medial arch starts, from the heel (mm)."),
    arch_end_mm: Optional[float] = typer.Option(None, "--arch-end-mm", help="Measured: where the medial arch ends, from the heel (mm)."),
    navicular_height_mm: Optional[float] = typer.Option(None, "--navicular-height-mm", help="Measured: navicular height, weight-bearing (mm)."),
    profile: Optional[str] = typer.Option(None, "--profile", "-p", help="Profile name (see `insolegen profiles`) or a TOML file. [default: neutral]"),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override a prescription field: --set arch.height_mm=24 (repeatable)."),
    out_dir: Path = typer.Option(Path("output"), "--out", "-o", help="Output folder (made if missing)."),
    name: Optional[str] = typer.Option(None, "--name", help="Case name for the files (default: the file's name or the size); made safe: letters, digits, '.', '_', '-'."),
    fmt: str = typer.Option("all", "--format", help="The files to write: all, or a comma-separated choice of stl (one per side), 3mf (the pair), json (the design record)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite existing outputs (meshes, record, preview, report)."),
    dpi: Optional[float] = typer.Option(None, "--dpi", help="Footprint images: pixels per inch (default: the scale marker in the image, else the image's DPI)."),
    pitch_mm: Optional[float] = typer.Option(None, "--pitch-mm", help="Pressure recordings: the sensor pitch in mm (not stored in the file)."),
    pressure: Optional[Path] = typer.Option(None, "--pressure", help="A pressure recording (.csv, with --pitch-mm) for [offload] thresholds and pressure zones; registered to the foot (refused when it does not fit). A recording given as the foot is used without this."),
    pressure_stat: PressureStat = typer.Option("peak", "--pressure-stat", case_sensitive=False, help="Over the recording's frames: peak (each sensor's highest) or mean."),
    pressure_unit: Optional[PressureUnit] = typer.Option(None, "--pressure-unit", case_sensitive=False, help="The recording's unit: kPa, N/cm2 or psi (the file does not store it; needed for offload.above_kpa)."),
    shoe: Optional[Path] = typer.Option(None, "--shoe", help="The shoe's sock-liner: a tracing (.csv, .json, .svg, .dxf), a photo on a marked sheet (.png, .jpg), a 3D scan of the liner or the shoe's insole, or a shoe last standing on its bottom (.stl, .ply, .obj, .3mf). The device's outline is the liner's, registered heel to heel on the foot and inset by shoe.allowance_* (toe, ball and heel, medial and lateral), trimmed to device.length; refused for a foot longer than its shoe or a liner of the other side."),
    accept_shoe: bool = typer.Option(False, "--accept-shoe", help="Make a prescription beyond its shoe.style's limits (a dress shoe's 12 mm heel cup, say): refused otherwise with the lab's reason and source; with this, made with a warning in the record and the report."),
    contour: Contour = typer.Option("flat", "--contour", case_sensitive=False, help="flat: the top is shaped by the prescription alone; scan (3D scans): the top follows the scanned sole, smoothed (total contact), with the prescription applied on top."),
    accept_foot: bool = typer.Option(False, "--accept-foot", "--accept-landmarks", help="Design even from a foot beyond the population (length, proportions) or with landmarks that do not fit a human foot; refused otherwise, with the numbers and the likely cause. (--accept-landmarks: the old spelling.)"),
    landmark: list[str] = typer.Option([], "--landmark", help="Correct a landmark: NAME=X,Y in the input's own coordinates, the ones `scan --json` gives as source (X,Y,Z for a 3D scan; mm from the heel for a size). Repeatable; the design uses it (how: clinician)."),
    as_json: bool = typer.Option(False, "--json", help="Print the design record as JSON instead of the summary."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing (errors still go to stderr)."),
    preview_png: bool = typer.Option(False, "--preview", help="Also write CASE_preview.png: every view, height colours and the sections (needs the 'preview' extra)."),
    view_html: bool = typer.Option(False, "--html", help="Also write CASE_view.html: the interactive 3D view, one file that opens in any browser, offline."),
    report_pdf: bool = typer.Option(False, "--report", help="Also write CASE_report.pdf, the one-page case report (needs the 'report' extra)."),
    material_name: MaterialName = typer.Option("tpu95a", "--material", case_sensitive=False, help=REPORT_MATERIAL_HELP),
    printer_name: PrinterName = typer.Option("generic", "--printer", case_sensitive=False, help="Printer whose bed the 3MF places the devices on (turned as needed; a plate each where the pair does not fit one), and for the report's verdict (see `insolegen measure --help`)."),
) -> None:
    """Design a pair of insoles and write CASE_left.stl, CASE_right.stl, CASE.3mf and CASE.json."""
    from insolegen.case import CaseRequest, case_name, design_case, output_names, parse_formats, parse_landmark
    from insolegen.extras import require_extra
    from insolegen.feet.foot import ArchMeasurements
    from insolegen.measure.printing import material, printer
    from insolegen.outputs.drawn import Drawn
    from insolegen.outputs.export import check_out_dir, refuse_existing, refuse_mixing, write_case

    try:
        sides = ("left", "right") if side == "both" else (side,)
        request = CaseRequest(
            foot_file=foot_file, size=size, width=width, units=units, foot_side=foot_side,
            arch=ArchMeasurements(arch_height_mm, arch_apex_mm, arch_start_mm, arch_end_mm, navicular_height_mm),
            profile=profile, overrides=tuple(set_), sides=sides, formats=fmt, name=name, dpi=dpi, pitch_mm=pitch_mm,
            contour=contour, accept_foot=accept_foot, printer=printer_name,
            landmarks=tuple((*parse_landmark(text), None) for text in landmark),
            pressure_file=pressure, pressure_statistic=pressure_stat, pressure_unit=pressure_unit, shoe_file=shoe,
            accept_shoe=accept_shoe,
        )
        name, _ = case_name(request)
        drawn = Drawn(preview_png, view_html, report_pdf, _scan_of(foot_file), material_name, printer_name)
        if preview_png:
            require_extra("preview")
        printer(printer_name)                                # a bad name is refused before the design
        if report_pdf:
            require_extra("report")
            material(material_name)
        if (preview_png or view_html or report_pdf) and "json" not in parse_formats(fmt):
            raise InvalidInput("--preview, --html and --report are drawn from the design record: include json in --format")
        names = output_names(name, sides, fmt) + drawn.names(name)
        check_out_dir(out_dir)
        refuse_existing([out_dir / n for n in names], force)             # before the design's work
        if out_dir.is_dir():
            refuse_mixing(out_dir, name, names, force)
        with working("designing", quietly=quiet or as_json) as status:
            result = design_case(request)
            status.update(f"writing {result.name}")
            # the meshes, the record, the preview and the report go in as one unit (checked again then)
            written = write_case(out_dir, result.name, result.files, force=force, draw=lambda stage: drawn(stage, result.name))
    except InsolegenError as exc:
        _fail(exc)
    if quiet:
        return
    if as_json:
        out.print_json(json.dumps(result.record))
        return
    print_summary(result, written)


def _scan_of(foot_file):
    """The foot file when it is a 3D scan (drawn with the device in pictures), else None."""
    from insolegen.feet.kinds import foot_kind

    return foot_file if foot_file is not None and foot_kind(foot_file) == "scan" else None


PROFILES_EPILOG = """
Examples:

  insolegen profiles                                     # every profile and its clinical intent

  insolegen profiles pronation-moderate > mine.toml      # the whole prescription as TOML, to edit

  insolegen design --profile mine.toml                   # ... and to design from

  insolegen profiles --fields                            # every field: unit, default, range, meaning
"""


@app.command(epilog=_examples(PROFILES_EPILOG))
def profiles(
    name: Optional[str] = typer.Argument(None, help="Print this profile, resolved (with what it extends), as a TOML profile file."),
    fields: bool = typer.Option(False, "--fields", help="List every prescription field: unit, default, range, meaning."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the prescription profiles, print one as TOML, or list the prescription fields."""
    from insolegen.device.prescription import describe_fields
    from insolegen.device.profiles import find_profile, list_profiles, prescription_toml, read_toml, resolve_prescription

    try:
        if fields:
            rows = describe_fields()
            if as_json:
                out.print_json(json.dumps(rows))
                return
            # one field per entry, never a table column: names and meanings are never cut
            for r in rows:
                rng = r["choices"] or (
                    f"{r['min']:g} … {r['max']:g} {r['unit']}".rstrip() if r["min"] is not None else r["unit"])
                out.print(f"[bold]{escape(r['field'])}[/]  {escape(rng)}; default {'not set' if r['default'] is None else escape(str(r['default']))}", soft_wrap=True)
                out.print(f"    {escape(r['meaning'])}", soft_wrap=True)
        elif name:
            rx, prov = resolve_prescription(name, [])
            if as_json:
                out.print_json(json.dumps({"provenance": prov, "prescription": rx.model_dump()}))
                return
            chain = " -> ".join(f["name"] for f in prov["profile_files"])
            description = read_toml(find_profile(name)).get("description", "")
            typer.echo(f"# profile {prov['profile']}, resolved (extends: {chain}); save it, edit it, "
                       "and pass the file to --profile\n" + prescription_toml(rx, description), nl=False)
        else:
            found = list_profiles()
            if as_json:
                out.print_json(json.dumps(found))
                return
            table = Table("profile", "clinical intent", header_style="bold")
            for n, desc in found.items():
                table.add_row(escape(n), escape(desc))
            out.print(table)
    except InsolegenError as exc:
        _fail(exc)


SCAN_EPILOG = """
Examples:

  insolegen scan left_foot.stl                       # side, length, widths, arch, landmarks

  insolegen scan plantar.obj --foot-side right --json

  insolegen scan left_foot.stl --out outlines/       # writes NAME_outline.json and NAME_outline.svg

  insolegen scan plate.csv --pitch-mm 5.6 --overlay plate.png   # landmarks with their 1-SD ellipses

  insolegen design outlines/left_foot_outline.json   # design from the (checked, edited) outline

3D scans: STL, PLY, OBJ; a whole closed foot or an open plantar surface; mm or metres
(detected and said); any placement (the sole is levelled on the ground plane found).
"""


@app.command(epilog=_examples(SCAN_EPILOG))
def scan(
    scan_file: Path = typer.Argument(..., help="A 3D foot scan (.stl, .ply, .obj), a footprint image (.png, .jpg) or a pressure recording (.csv)."),
    dpi: Optional[float] = typer.Option(None, "--dpi", help="Footprint images: pixels per inch (default: the scale marker, else the image's DPI)."),
    pitch_mm: Optional[float] = typer.Option(None, "--pitch-mm", help="Pressure recordings: the sensor pitch in mm (not stored in the file)."),
    foot_side: Optional[FootSide] = typer.Option(None, "--foot-side", case_sensitive=False, help="Which foot the file shows: left or right (default: detected from the medial arch)."),
    old_side: Optional[FootSide] = typer.Option(None, "--side", hidden=True, case_sensitive=False, help="Deprecated spelling of --foot-side."),
    units: Optional[Units] = typer.Option(None, "--units", case_sensitive=False, help="mm, cm, m or in (default: mm, or metres when the scan is a foot's size in metres)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write NAME_outline.json and NAME_outline.svg here (NAME made safe)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite existing outline files (and the overlay)."),
    overlay: Optional[Path] = typer.Option(None, "--overlay", help="Draw what was read to this PNG: the outline and every landmark with its 1-SD ellipse and how it was found (on a footprint image, over the image and its pins; a plate's sensors shaded by pressure)."),
) -> None:
    """Read a foot file: side, foot length, ball and heel width, the medial arch, landmarks, indices."""
    from insolegen.feet.image import feet_from_image
    from insolegen.feet.kinds import foot_kind
    from insolegen.feet.pressure import foot_from_pressure
    from insolegen.feet.scan3d import read_scan
    from insolegen.outputs.export import refuse_existing, safe_name, write_atomic
    from insolegen.outputs.overlay import overlay_png, plantar_overlay_png
    from insolegen.outputs.scan_report import outline_json, outline_svg, scan_record

    if old_side is not None:
        _deprecated("--side", "--foot-side")
        foot_side = foot_side or old_side
    try:
        if not scan_file.exists():
            raise InvalidInput(f"{scan_file}: no such file")
        kind = foot_kind(scan_file)
        if kind == "outline" and overlay is None and not as_json:
            raise InvalidInput(f"{scan_file}: an outline file is already an outline; design from it with `insolegen design` "
                               "(--json or --overlay show its landmarks)")
        if overlay is not None:
            if overlay.suffix.lower() != ".png":
                raise InvalidInput(f"--overlay {overlay}: the picture is a PNG; name it .png")
            refuse_existing([overlay], force)
        if kind == "image":
            image, feet = feet_from_image(scan_file, dpi)
            if overlay is not None:
                write_atomic(overlay, overlay_png(scan_file, image, feet))
            _print_feet(scan_file, feet, f"scale {image.px_per_mm:.2f} px/mm from {image.scale_how}", as_json, out_dir, force)
            if overlay is not None and not as_json:
                out.print(f"  wrote {overlay}", markup=False, soft_wrap=True)
            return
        if kind == "pressure":
            from insolegen.feet.pressure import peak_pressure_grid, sensor_centres

            grid = peak_pressure_grid(scan_file) if pitch_mm is not None else None      # read once: the foot and its picture
            foot = foot_from_pressure(scan_file, pitch_mm, foot_side, grid)
            if overlay is not None:
                write_atomic(overlay, plantar_overlay_png(foot, f"pressure recording {scan_file.name}",
                                                          (sensor_centres(grid.shape, pitch_mm), grid.ravel(), pitch_mm)))
            _print_feet(scan_file, [foot], f"sensor pitch {pitch_mm} mm", as_json, out_dir, force)
            return
        if kind == "outline":
            from insolegen.feet.read import read_foot

            foot = read_foot(scan_file, units=units, side=foot_side)
            if overlay is not None:
                write_atomic(overlay, plantar_overlay_png(foot, f"outline {scan_file.name}"))
            _print_feet(scan_file, [foot], "outline file", as_json, out_dir, force)
            return
        result = read_scan(scan_file, units, foot_side)
        if overlay is not None:
            write_atomic(overlay, plantar_overlay_png(result.foot, f"3D scan {scan_file.name}"))
        record = scan_record(result)
        written = {}
        if out_dir is not None:
            name = safe_name(scan_file.stem)
            description = f"plantar outline read from {scan_file} by insolegen scan; edit and design from it"
            written = {out_dir / f"{name}_outline.json": outline_json(result.foot, name, description),
                       out_dir / f"{name}_outline.svg": outline_svg(result.foot, name)}
            _write_new(written, force)
    except InsolegenError as exc:
        _fail(exc)
    if as_json:
        out.print_json(json.dumps({**record, "written": [str(p) for p in written]}))
        return
    how = record["side_how"]
    out.print(f"[bold]{escape(str(scan_file))}[/]: {record['kind']}, {record['format'].upper()}, units {record['units']} "
              f"({escape(record['units_how'])})", soft_wrap=True)
    out.print(f"{record['side']} foot ({how}; confidence {record['side_confidence']:.2f})", markup=False)
    table = Table("measure", "mm", "how", header_style="bold")
    for key, m in record["measures"].items():
        table.add_row(key.replace("_", " "), f"{m['value_mm']:.1f}", escape(m["how"]))
    for key, value in record["arch_measurements"].items():
        table.add_row(f"arch {key.replace('_mm', '').replace('_', ' ')}", f"{value:.1f}", "plantar surface along the medial border")
    out.print(table)
    out.print(landmark_table(record["landmarks"]))
    if record.get("indices"):
        indices = Table("index", "value", "reference", header_style="bold", title=escape(record["indices"]["note"]))
        for key, index in record["indices"].items():
            if isinstance(index, dict):
                shown = "—" if index["value"] is None else f"{index['value']}" + (f" ({index['class']})" if index.get("class") else "")
                indices.add_row(key.replace("_", " "), escape(shown), escape(index["reference"]))
        out.print(indices)
    for warning in record["warnings"]:
        out.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    for path in written:
        out.print(f"  wrote {path}", markup=False, soft_wrap=True)


def _write_new(files: dict, force: bool) -> None:
    """Write the outline files atomically; refuse to overwrite unless ``force``."""
    from insolegen.outputs.export import refuse_existing, write_all

    refuse_existing(files, force)
    write_all(files)


def _print_feet(path: Path, feet, scale: str, as_json: bool, out_dir, force: bool) -> None:
    """`insolegen scan IMAGE|PRESSURE`: every footprint found, its side, length and widths."""
    from insolegen.outputs.export import safe_name
    from insolegen.outputs.scan_report import outline_json

    written = {}
    if out_dir is not None:
        stem = safe_name(path.stem)
        for k, foot in enumerate(feet):
            description = f"footprint {k + 1} of {len(feet)} read from {path.name} by insolegen scan"
            written[out_dir / f"{stem}_{foot.side}_outline.json"] = outline_json(
                foot, f"{stem}_{foot.side}", description, with_landmarks=False)
        _write_new(written, force)
    records = [{"side": f.side, "side_confidence": f.side_confidence, "source": f.source,
                "measures": {k: m.as_dict() for k, m in f.measures.items()},
                "landmarks": f.landmarks_dict(), "pins": f.pins, "indices": f.indices,
                "warnings": list(f.warnings), "notes": list(f.notes), "implausible": list(f.implausible),
                **({"outline_how": f.outline_how} if f.outline_how else {})}
               for f in feet]
    if as_json:
        out.print_json(json.dumps({"file": str(path), "scale": scale, "feet": records, "written": [str(p) for p in written]}))
        return
    print_feet(path, feet, records, scale, list(written))


PREVIEW_EPILOG = """
Examples:

  insolegen preview output/EU42_medium.json --out pair.png                 # the pair, iso view, height colours

  insolegen preview output/ --view all --sections --out check.png          # every view and the sections

  insolegen preview output/EU42_medium_right.stl --color thickness --view posterior --out post.png

  insolegen preview out/pat042.json --scan pat042_scan.stl --view medial --out fit.png   # the fit on the scan

  insolegen preview output/EU42_medium.json --html EU42.html             # the 3D view for any browser

--html writes one self-contained page: both devices (and the scan) to turn and zoom, height and
thickness colours, the features labelled, a section slider, the prescribed-vs-measured table.
It opens by double-click, offline, and needs no extra.
Pictures: with no display (a headless server) they render off-screen through OSMesa (apt-get
install libosmesa6) and need --out. With a display and neither --out nor --html, an interactive
window opens. Pictures need the 'preview' extra: pip install 'insolegen[preview]'.
"""


def _image_size(text: str, option: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InvalidInput(f"{option} {text!r}: expected WIDTHxHEIGHT, for example 1600x900") from None
    if not (100 <= width <= 8000 and 100 <= height <= 8000):
        raise InvalidInput(f"{option} {text!r}: each side must be 100-8000 pixels")
    return width, height


@app.command(epilog=_examples(PREVIEW_EPILOG))
def preview(
    target: Path = typer.Argument(..., help="A design record (CASE.json), the folder of a design, or a mesh (.stl, .3mf, .obj, .ply)."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Render off-screen to this PNG (needed without a display)."),
    html_file: Optional[Path] = typer.Option(None, "--html", help="Write the interactive 3D view to this HTML file (self-contained, offline)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing picture or page."),
    color: Colour = typer.Option("height", "--color", case_sensitive=False, help="height (above the ground), thickness (top minus bottom) or none."),
    view: list[View] = typer.Option(["iso"], "--view", case_sensitive=False, help="top, medial, lateral, posterior, iso or all (repeatable)."),
    sections: bool = typer.Option(False, "--sections", help="Add cross-sections at the heel seat, arch apex and met pad, with their heights."),
    pair: bool = typer.Option(True, "--pair/--single", help="Given one STL of a case, show its other side beside it."),
    scan: Optional[Path] = typer.Option(None, "--scan", help="The 3D scan the design came from (default: found by name beside the record)."),
    image_size: str = typer.Option("1600x900", "--image-size", help="Picture size in pixels, WIDTHxHEIGHT."),
    exaggeration: float = typer.Option(3.0, "--exaggeration", help="Side views and sections: heights drawn this many times their true scale (1-10; stated on the picture)."),
    old_screenshot: Optional[Path] = typer.Option(None, "--screenshot", hidden=True, help="Deprecated spelling of --out."),
    old_size: Optional[str] = typer.Option(None, "--size", hidden=True, help="Deprecated spelling of --image-size."),
) -> None:
    """Look at a device or a pair before printing: colour maps, technician's views, sections, the scan's fit."""
    from insolegen.extras import require_extra
    from insolegen.outputs.export import check_out_dir, refuse_existing, write_atomic
    from insolegen.outputs.preview import VIEWS, has_display, load_preview_input, record_guard, render, render_png

    if old_screenshot is not None:
        _deprecated("--screenshot", "--out")
        out_file = out_file or old_screenshot
    if old_size is not None:
        _deprecated("--size", "--image-size")
        image_size = old_size
    try:
        views = VIEWS if "all" in view else tuple(view)
        size = _image_size(image_size, "--image-size")
        if html_file is not None:
            if html_file.suffix.lower() not in (".html", ".htm"):
                raise InvalidInput(f"--html {html_file}: the view is a web page; name it .html")
            refuse_existing([html_file], force)
        if out_file is not None or html_file is None:
            require_extra("preview")
        if out_file is not None:
            if out_file.suffix.lower() != ".png":
                raise InvalidInput(f"--out {out_file}: the picture is a PNG; name it .png")
            refuse_existing([out_file], force)
        elif html_file is None and not has_display():
            raise InvalidInput("there is no display here: give --out FILE.png to render to a picture, or --html FILE.html")
        shown = load_preview_input(target, scan, pair)
        written = []
        with record_guard(shown.record_path or target):
            if html_file is not None:
                from insolegen.outputs.webview import view_html

                page = view_html(shown).encode("utf-8")
                check_out_dir(html_file.parent, "--html")
                write_atomic(html_file, page)
                written.append(html_file)
            if out_file is None and html_file is None:
                render(shown, views, color, sections, size)
                return
            if out_file is not None:
                picture = render_png(shown, views, color, sections, size, exaggeration)
                check_out_dir(out_file.parent, "--out")
                write_atomic(out_file, picture)
                written.append(out_file)
    except InsolegenError as exc:
        _fail(exc)
    for path in written:
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


REPORT_EPILOG = """
Examples:

  insolegen report output/EU42_medium.json                 # writes output/EU42_medium_report.pdf

  insolegen report output/ --out ~/cases/EU42_report.pdf --material pa12 --printer prusa-mk4

  insolegen design scan.stl --contour scan --report        # design and report in one go

One A4 page: the case name, date, tool version, the prescription beside what the meshes
measure, landmarks and clinical indices where the input shows them, the mesh checks, the
printability verdict, material and mass, and pictures of the pair (rendered off-screen).
"""


@app.command(epilog=_examples(REPORT_EPILOG))
def report(
    target: Path = typer.Argument(..., help="A design record (CASE.json) or the folder of a design."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="The PDF to write (default: CASE_report.pdf beside the record)."),
    material_name: MaterialName = typer.Option("tpu95a", "--material", case_sensitive=False, help=REPORT_MATERIAL_HELP),
    printer_name: PrinterName = typer.Option("generic", "--printer", case_sensitive=False, help=REPORT_PRINTER_HELP),
    scan: Optional[Path] = typer.Option(None, "--scan", help="The 3D scan the design came from, drawn with the devices (default: found by name beside the record)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing report."),
) -> None:
    """Write the one-page case report (PDF) for a podiatrist's file and the technician's bench."""
    from insolegen.extras import require_extra
    from insolegen.outputs.drawn import write_report
    from insolegen.outputs.export import refuse_existing
    from insolegen.outputs.report import case_record

    try:
        require_extra("report")
        record = case_record(target)
        path = out_file or record.with_name(record.stem + "_report.pdf")
        if path.suffix.lower() != ".pdf":
            raise InvalidInput(f"--out {path}: the report is a PDF; name it .pdf")
        refuse_existing([path], force)
        verdicts = write_report(record, scan, path, material_name, printer_name)
    except InsolegenError as exc:
        _fail(exc)
    for side, m in verdicts.items():
        verdict = "[green]printable[/]" if m.printable else "[red]NOT printable[/]: " + escape("; ".join(m.reasons))
        placed = f", {escape(m.placement)}" if m.printable and m.placement else ""
        out.print(f"{side}: {verdict} on {m.printer}{placed}, in {m.material} ({m.as_dict()['mass_g']:.1f} g)", soft_wrap=True)
    out.print(f"wrote {path}", markup=False, soft_wrap=True)


BATCH_EPILOG = """
Examples:

  insolegen batch examples/batch --out batch_out                  # every case, all cores

  insolegen batch scans/ --out out/ --profile pronation-mild --set device.base_thickness_mm=3.5 --report

  insolegen batch scans/ --out out/ --resume                      # redo only what changed or failed

  insolegen batch scans/ --out out/ --scheduler tcp://10.0.0.5:8786   # on a Dask cluster

SCANS holds one folder per case: left.* and/or right.* (or one file whose side is detected, or
one image of both feet), and optionally prescription.toml (profile = "NAME", then tables of
fields as in --set; an [input] table may give units, dpi, pitch_mm, contour, pressure_stat,
pressure_unit); a pressure.csv beside the foot is the case's recording for [offload]. The case's
profile wins over --profile; --set wins over the case's fields. Writes OUT/CASE/ (the files of
`insolegen design`, with CASE_view.html and a picture), OUT/manifest.csv, OUT/manifest.json and
OUT/index.html, the review page (`insolegen review OUT` rebuilds it). Exit status: 0 when every case is
ok (or skipped by --resume), 1 when any failed.
"""


@app.command(epilog=_examples(BATCH_EPILOG))
def batch(
    scans: Path = typer.Argument(..., help="The folder of case folders."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Output folder (OUT/CASE/ per case, OUT/manifest.csv and .json, OUT/index.html)."),
    profile: Optional[str] = typer.Option(None, "--profile", "-p", help="Profile for cases whose prescription.toml names none. [default: neutral]"),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override a field in every case: --set arch.height_mm=24 (repeatable)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Processes on this machine. [default: its cores]"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: the scheduler's address, tcp://HOST:PORT."),
    resume: bool = typer.Option(False, "--resume", help="Keep cases whose outputs match their inputs (hashes, tool version); redo the rest."),
    fail_fast: bool = typer.Option(False, "--fail-fast", help="Stop at the first failed case."),
    report_pdf: bool = typer.Option(False, "--report", help="Also write CASE_report.pdf for every case (needs the 'report' extra)."),
    html: bool = typer.Option(True, "--html/--no-html", help="Write CASE_view.html, each case's 3D view (about 1.4 MB), linked from OUT/index.html."),
    material_name: MaterialName = typer.Option("tpu95a", "--material", case_sensitive=False, help=REPORT_MATERIAL_HELP),
    printer_name: PrinterName = typer.Option("generic", "--printer", case_sensitive=False, help="Printer whose bed each case's 3MF places its devices on, and for the printability verdicts on the review page and in the reports (see `insolegen measure --help`)."),
    force: bool = typer.Option(False, "--force", "-f", help="Run into an OUT that holds an earlier batch, redoing every case."),
) -> None:
    """Design every case in a folder of case folders, locally or on a Dask cluster, with a manifest."""
    from insolegen.batch.cases import BatchOptions
    from insolegen.batch.run import run_batch
    from insolegen.device.profiles import resolve_prescription
    from insolegen.extras import require_extra
    from insolegen.measure.printing import material, printer
    from insolegen.outputs.export import check_out_dir

    try:
        printer(printer_name)
        if report_pdf:
            require_extra("report")
            material(material_name)
        if scheduler:
            require_extra("cluster")
        check_out_dir(out_dir)
        if (out_dir / "manifest.json").exists() and not (resume or force):
            raise InvalidInput(f"{out_dir} holds an earlier batch (manifest.json): use --resume to keep what is done, "
                               "or --force to redo every case")
        if scheduler and workers:
            raise InvalidInput("--workers is for this machine; with --scheduler the cluster's workers run the cases")
        resolve_prescription(profile, list(set_))   # a bad --profile or --set is the run's error, not every case's
        if profile and (profile.endswith(".toml") or "/" in profile):
            profile = str(Path(profile).resolve())    # a file: as a cluster's workers will find it
        options = BatchOptions(profile=profile, overrides=tuple(set_), report=report_pdf, html=html,
                               material=material_name, printer=printer_name)
        with BatchProgress() as progress:
            summary = run_batch(scans, out_dir, options, workers, scheduler, resume, fail_fast, progress.update)
    except InsolegenError as exc:
        _fail(exc)
    print_batch_summary(summary, out_dir)
    if summary.count("failed"):
        raise typer.Exit(1)


REVIEW_EPILOG = """
Examples:

  insolegen review batch_out                          # rebuilds batch_out/index.html

  insolegen review batch_out --printer prusa-mk4      # printability on another printer

The page has one row per case: a picture from above, the status (and why a case failed), the
foot's side and length, the profile, the prescribed-vs-measured checks with any outside their
tolerance in red, the printability verdict and links to the case's 3D view, STL, 3MF, record and
report. Filter by status or by name; click a column's name to sort. Every link is relative, so
the folder can be moved or opened from a file share. `insolegen batch` writes it too.
"""


@app.command(epilog=_examples(REVIEW_EPILOG))
def review(
    out_dir: Path = typer.Argument(..., help="The --out folder of `insolegen batch` (it holds manifest.json)."),
    printer_name: Optional[str] = typer.Option(None, "--printer", help="Printer for the printability verdicts. [default: the batch's]"),
) -> None:
    """Rebuild OUT/index.html, the batch review page, from the manifest and the cases' records."""
    from insolegen.batch.review import write_index
    from insolegen.outputs.export import check_out_dir

    try:
        if not out_dir.is_dir():
            raise InvalidInput(f"{out_dir}: no such folder")
        check_out_dir(out_dir)
        path = write_index(out_dir, printer_name)
    except InsolegenError as exc:
        _fail(exc)
    out.print(f"wrote {path}", markup=False, soft_wrap=True)


SERVE_EPILOG = """
Examples:

  insolegen users add ann --clinic "North Clinic" --role clinician --data lab --password-stdin < ann.txt

  insolegen serve --data lab                                  # http://127.0.0.1:8000, API docs at /docs

  insolegen serve --data lab --db postgresql://insolegen@dbhost/orders --workers 4

  insolegen serve --data lab --scheduler tcp://10.0.0.5:8786  # designs on a Dask cluster

Clinics send orders (a foot file or a size, and a prescription) to POST /api/v1/orders; a
technician reviews each revision, corrects it (POST .../revisions), approves and releases it.
Every step is in the order's history (GET .../history). The database (SQLite in DATA unless
--db names PostgreSQL) holds the orders and the audit trail; DATA/blobs holds every file, named
by its sha256. A server stopped in the middle of designs finishes them when it starts again.
"""


@app.command(epilog=_examples(SERVE_EPILOG))
def serve(
    data: Path = typer.Option(..., "--data", help="The service's folder: its files (blobs/) and, without --db, its SQLite database."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface; put TLS in front)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    db: Optional[str] = typer.Option(None, "--db", help="postgresql://USER@HOST/NAME: the database. [default: SQLite in --data]"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Design processes on this machine. [default: its cores]"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Design on a Dask cluster: the scheduler's address, tcp://HOST:PORT."),
) -> None:
    """Serve a lab's orders over HTTP: submit, review, correct, approve, release (needs the 'serve' extra)."""
    from insolegen.batch.run import default_workers
    from insolegen.extras import require_extra

    try:
        require_extra("serve")
        if scheduler:
            require_extra("cluster")
            if workers:
                raise InvalidInput("--workers is for this machine; with --scheduler the cluster's workers design")
        import uvicorn

        from insolegen.serve.app import create_app

        application = create_app(data, db, workers or default_workers(), scheduler)
    except InsolegenError as exc:
        _fail(exc)
    err.print(f"insolegen {__version__} serving {data} on http://{host}:{port} (API docs at /docs)", markup=False, soft_wrap=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")


users_app = typer.Typer(help="The people who use the order service (insolegen serve).", no_args_is_help=True,
                        epilog=_examples(SERVE_EPILOG))
app.add_typer(users_app, name="users")
Role = StrEnum("Role", {v: v for v in ("clinician", "technician", "admin")})


@users_app.command("add", epilog=_examples(SERVE_EPILOG))
def users_add(
    name: str = typer.Argument(..., metavar="NAME", help="The name the person signs in with."),
    clinic: str = typer.Option(..., "--clinic", help="Their clinic (made if new); a clinician sees only its orders."),
    role: Role = typer.Option(..., "--role", case_sensitive=False, help="clinician: submits and follows their clinic's orders; "
                              "technician: sees every order, corrects, approves, releases; admin: manages users."),
    data: Path = typer.Option(..., "--data", help="The service's folder (as given to insolegen serve)."),
    db: Optional[str] = typer.Option(None, "--db", help="postgresql://...: the service's database. [default: SQLite in --data]"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of standard input "
                                        "(else it is asked for, twice, without echo)."),
) -> None:
    """Add a person who may sign in to the order service."""
    from insolegen.extras import require_extra

    try:
        require_extra("serve")
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt(
            "password", hide_input=True, confirmation_prompt=True)
        from insolegen.serve.auth import add_user
        from insolegen.serve.database import open_database

        data.mkdir(parents=True, exist_ok=True)
        with open_database(data, db)() as session:
            add_user(session, name, clinic, role.value, password)
            session.commit()
    except InsolegenError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(InvalidInput(f"--data {data}: {exc.strerror or exc}"))
    out.print(f"added {name} ({role.value}, {clinic})", markup=False, soft_wrap=True)


def _measure_epilog() -> str:
    from insolegen.measure.definitions import DEFINITIONS

    lines = ["Examples:", "  insolegen measure output/EU42_medium_right.stl",
             "  insolegen measure output/EU42_medium.3mf --json",
             "  insolegen measure scan_insole.obj --foot-side left --material pa12 --printer prusa-mk4",
             "  insolegen measure output/pat042_right.stl --foot-length 268   # the foot length in the design record",
             "  insolegen measure output/pat042_right.stl --shoe liner.svg --style dress   # does it fit this shoe?",
             "What is reported (mm, degrees; x from the heel along the long axis L, z up from the ground):"]
    lines += [f"  {name}: {meaning}" for name, meaning in DEFINITIONS.items()]
    lines += ["  mesh: watertight, bodies, degenerate and duplicate faces, winding, self-intersections (of the file as given)",
              "Materials: " + ", ".join(f"{k} ({m.density_g_cm3} g/cm³)" for k, m in MATERIALS.items()),
              "Printers: " + ", ".join(f"{k} ({' x '.join(f'{v:g}' for v in p.build_mm)} mm, wall {p.min_wall_mm:g})" for k, p in PRINTERS.items()),
              "Exit status: 0 printable (and, with --shoe, inside the liner and within the style's heel cup), 1 not "
              "printable (reasons printed), not fitting the shoe, or not readable as an insole."]
    return "\n\n".join(lines)


@app.command(epilog=_examples(_measure_epilog()))
def measure(
    mesh_file: Path = typer.Argument(..., help="The insole: .stl (binary or ASCII), .3mf, .obj or .ply; mm or metres."),
    foot_side: FootSideOrAuto = typer.Option("auto", "--foot-side", case_sensitive=False, help="Which foot the insole is for: left, right or auto (detected from the medial arch and the ball line)."),
    old_side: Optional[FootSide] = typer.Option(None, "--side", hidden=True, case_sensitive=False, help="Deprecated spelling of --foot-side."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    material_name: MaterialName = typer.Option("tpu95a", "--material", case_sensitive=False, help="Material for the mass (see below)."),
    printer_name: PrinterName = typer.Option("generic", "--printer", case_sensitive=False, help="Printer for the printability verdict (see below)."),
    units: Optional[Units] = typer.Option(None, "--units", case_sensitive=False, help="Units of the file: mm, cm, m, in (default: mm, or metres when the mesh is an insole's size in metres)."),
    foot_length: Optional[float] = typer.Option(None, "--foot-length", help="Length of the foot the insole was made for, in mm (the design record's foot length). The heel seat, arch and ball are placed as shares of it; without it, it is estimated from the insole, which an outline offset or a trim can fool."),
    shoe: Optional[Path] = typer.Option(None, "--shoe", help="Does it fit this shoe? The shoe's sock-liner (a tracing, a photo on a marked sheet, a 3D scan of the liner or the shoe's insole, or a last, as `design --shoe` reads it): the device's edge's clearance inside it all round (registered heel to heel, axis to axis), its heel cup against --style, and its thickness under the heel and the ball."),
    style: Optional[ShoeStyle] = typer.Option(None, "--style", case_sensitive=False, help="With --shoe: the shoe's style (athletic, casual, dress, boot, ski), for the heel cup's limit (see `insolegen profiles --fields`, shoe.style)."),
) -> None:
    """Measure any insole mesh from the mesh alone, check its mesh and say whether it is printable."""
    from insolegen.measure import measure_file

    if old_side is not None:
        _deprecated("--side", "--foot-side")
        foot_side = old_side
    try:
        liner = None if shoe is None else _read_liner(shoe)
        found, info = measure_file(mesh_file, side=foot_side, units=units, material_name=material_name, printer_name=printer_name,
                                   foot_length_mm=foot_length)
        fits = None if liner is None else _shoe_fit(mesh_file, units, found, liner, style)
    except InsolegenError as exc:
        _fail(exc)
    if as_json:
        records = [m.as_dict() for m in found]
        doc = {**info, **records[0]} if len(records) == 1 else {**info, "insoles": records}
        if fits is not None:
            doc["shoe"] = fits
        out.print_json(json.dumps(doc))
    else:
        print_measurements(found, info)
        if fits is not None:
            print_shoe_fit(fits)
    if not all(m.printable for m in found) or (fits is not None and not (fits["fits"] and fits["heel_cup"]["within"] is not False)):
        raise typer.Exit(1)


def _read_liner(path: Path):
    from insolegen.shoe.read import read_liner

    return read_liner(path)


def _shoe_fit(mesh_file: Path, units, found, liner, style) -> dict:
    """The measured insole of the liner's side against the liner (``shoe.clearance``)."""
    from insolegen.measure.load import load_mesh_file
    from insolegen.shoe.clearance import shoe_check

    parts = load_mesh_file(mesh_file, units).parts
    pairs = [(m, p) for m, p in zip(found, parts) if m.frame.side == liner.side] or list(zip(found, parts))[:1]
    measurement, part = pairs[0]
    return shoe_check(part.vertices, part.faces, measurement, liner, None if style is None else style.value)


def main() -> None:
    import warnings

    import numpy as np

    # a hostile file can make numpy divide by zero on its way to a clear refusal: the refusal is
    # what the user needs to see, not the arithmetic warnings before it
    np.seterr(all="ignore")
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    _stop_cleanly_on_signals()
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written was left behind")
        sys.exit(130)
    except RecursionError:
        err.print("error: the input is nested too deeply to be read", markup=False)
        sys.exit(1)
    except MemoryError:
        err.print("error: the input needs more memory than this machine has; see the README's \"Limits\"", markup=False)
        sys.exit(1)
    except Exception as exc:            # a bug: said plainly, with where to find the details
        sys.exit(_internal_error(exc))


def _stop_cleanly_on_signals() -> None:
    """SIGTERM and SIGHUP stop a run as Ctrl-C does: every staging folder and temporary file is
    removed on the way out (a SIGKILL cannot be caught: the next run removes what it left)."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def _internal_error(exc: Exception) -> int:
    """Write the traceback to a log file and print one line: the last resort, exit 3."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="insolegen-error-", suffix=".log", delete=False) as log:
        log.write(f"insolegen {__version__}\n{' '.join(sys.argv)}\n\n")
        traceback.print_exception(exc, file=log)
    err.print(f"internal error: {type(exc).__name__}: {str(exc)[:200]} (please report it, with {log.name})",
              markup=False, soft_wrap=True)
    return 3


if __name__ == "__main__":
    main()
