"""The command line: parses options, calls the library, prints. Exit codes: 0 ok, 1 invalid
input or failed design, 2 usage."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from insolegen import __version__
from insolegen.errors import InsolegenError, InvalidInput

app = typer.Typer(
    name="insolegen",
    help="Design watertight, print-ready custom orthotic insoles from a foot and a prescription.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        out.print(f"insolegen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """insolegen: a foot (outline file or shoe size) + a prescription -> a pair of insoles (STL, 3MF, design record)."""


DESIGN_EPILOG = """
Examples:

  insolegen design                                   # EU42 medium foot, neutral profile, into output/

  insolegen design --size EU42 --profile pronation-moderate --out OUT

  insolegen design --size US10W --set arch.height_mm=28 --set heel_cup.depth_mm=16

  insolegen design foot.csv --arch-height-mm 22 --arch-apex-mm 112 --set arch.fill_frac=0.8

  insolegen design tracing.svg --foot-side left --side left --format stl --name pat042

  insolegen design left_scan.stl --contour scan --set arch.fill_frac=0.9   # total contact from a 3D scan
"""


@app.command(epilog=DESIGN_EPILOG)
def design(
    foot_file: Optional[Path] = typer.Argument(None, help="Foot: outline (.csv, .json, .svg, .dxf), 3D scan (.stl, .ply, .obj), footprint image (.png, .jpg) or pressure recording (.csv, with --pitch-mm). Omit to use --size."),
    size: Optional[str] = typer.Option(None, "--size", help="Shoe size when no file is given: EU42, UK8, US9M, US10W, MP270. [default: EU42]"),
    width: str = typer.Option("medium", "--width", help="Width class of the size's foot: narrow, medium, wide (ANSUR II 10th/50th/90th percentile)."),
    units: Optional[str] = typer.Option(None, "--units", help="Units of the outline file: mm, cm, m, in (default: the file's, else mm)."),
    side: str = typer.Option("both", "--side", help="Which devices to make: left, right or both. With a file, left/right also says which foot it shows unless --foot-side is given."),
    foot_side: Optional[str] = typer.Option(None, "--foot-side", help="Which foot the file shows: left or right (default: detected from the shape)."),
    arch_height_mm: Optional[float] = typer.Option(None, "--arch-height-mm", help="Measured: plantar surface height at the medial arch apex, weight-bearing (mm)."),
    arch_apex_mm: Optional[float] = typer.Option(None, "--arch-apex-mm", help="Measured: the arch apex's distance from the heel (mm)."),
    arch_start_mm: Optional[float] = typer.Option(None, "--arch-start-mm", help="Measured: where the medial arch starts, from the heel (mm)."),
    arch_end_mm: Optional[float] = typer.Option(None, "--arch-end-mm", help="Measured: where the medial arch ends, from the heel (mm)."),
    navicular_height_mm: Optional[float] = typer.Option(None, "--navicular-height-mm", help="Measured: navicular height, weight-bearing (mm)."),
    profile: Optional[str] = typer.Option(None, "--profile", "-p", help="Profile name (see `insolegen profiles`) or a TOML file. [default: neutral]"),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override a prescription field: --set arch.height_mm=24 (repeatable)."),
    out_dir: Path = typer.Option(Path("output"), "--out", "-o", help="Output folder."),
    name: Optional[str] = typer.Option(None, "--name", help="Case name for the files (default: the file's name or the size)."),
    fmt: str = typer.Option("all", "--format", help="stl, 3mf or all (both, plus the design record)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite existing outputs."),
    dpi: Optional[float] = typer.Option(None, "--dpi", help="Footprint images: pixels per inch (default: the scale marker in the image, else the image's DPI)."),
    pitch_mm: Optional[float] = typer.Option(None, "--pitch-mm", help="Pressure recordings: the sensor pitch in mm (not stored in the file)."),
    contour: str = typer.Option("flat", "--contour", help="flat: the top is shaped by the prescription alone; scan (3D scans): the top follows the scanned sole, smoothed (total contact), with the prescription applied on top."),
    as_json: bool = typer.Option(False, "--json", help="Print the design record as JSON instead of the summary."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing (errors still go to stderr)."),
    preview_png: bool = typer.Option(False, "--preview", help="Also write CASE_preview.png: every view, height colours and the sections (see `insolegen preview`)."),
    report_pdf: bool = typer.Option(False, "--report", help="Also write CASE_report.pdf, the one-page case report (see `insolegen report`)."),
) -> None:
    """Design a pair of insoles and write CASE_left.stl, CASE_right.stl, CASE.3mf and CASE.json."""
    from insolegen.case import CaseRequest, case_name, design_case, output_names
    from insolegen.export import write_all
    from insolegen.outline import ArchMeasurements

    try:
        if side not in ("left", "right", "both"):
            raise typer.BadParameter(f"{side!r} is not left, right or both", param_hint="--side")
        sides = ("left", "right") if side == "both" else (side,)
        if foot_side is None and foot_file is not None and side != "both":
            foot_side = side
        request = CaseRequest(
            foot_file=foot_file, size=size, width=width, units=units, foot_side=foot_side,
            arch=ArchMeasurements(arch_height_mm, arch_apex_mm, arch_start_mm, arch_end_mm, navicular_height_mm),
            profile=profile, overrides=tuple(set_), sides=sides, formats=fmt, name=name, dpi=dpi, pitch_mm=pitch_mm,
            contour=contour,
        )
        name = case_name(request)
        existing = [n for n in output_names(name, sides, fmt) if (out_dir / n).exists()]
        if existing and not force:
            raise InsolegenError(f"{out_dir / existing[0]} exists; use --force to overwrite")
        result = design_case(request)
        write_all({out_dir / fn: data for fn, data in result.files.items()})
        if preview_png:
            _write_design_preview(result, out_dir, foot_file)
        if report_pdf:
            _write_report(out_dir / f"{result.name}.json", _scan_of(foot_file), out_dir / f"{result.name}_report.pdf")
    except InsolegenError as exc:
        _fail(exc)
    if quiet:
        return
    if as_json:
        out.print_json(json.dumps(result.record))
        return
    _print_summary(result, out_dir)
    if preview_png:
        out.print(f"  wrote {out_dir / (result.name + '_preview.png')}")
    if report_pdf:
        out.print(f"  wrote {out_dir / (result.name + '_report.pdf')}")


def _scan_of(foot_file):
    """The foot file when it is a 3D scan (drawn with the device in pictures), else None."""
    from insolegen.scan3d import is_scan_file

    return foot_file if foot_file is not None and is_scan_file(foot_file) else None


def _write_design_preview(result, out_dir: Path, foot_file) -> None:
    """CASE_preview.png beside the meshes (written atomically)."""
    from insolegen.export import write_atomic
    from insolegen.preview import VIEWS, load_preview_input, render_png

    shown = load_preview_input(out_dir / f"{result.name}.json", _scan_of(foot_file))
    write_atomic(out_dir / f"{result.name}_preview.png", render_png(shown, VIEWS, "height", True, (2400, 900)))


def _print_summary(result, out_dir: Path) -> None:
    rec = result.record
    per_side = rec.get("per_side_feet") or {"": {"foot": rec["foot"], "derived": rec["derived"]}}
    for side, part in per_side.items():
        foot = part["foot"]
        sure = "" if foot["side_how"] == "given" else ", confidence {:.2f}".format(foot["side_confidence"])
        device = f"{side} device from " if side else ""
        out.print(f"[bold]{result.name}[/]: {device}{foot['source']}, {foot['side']} foot ({foot['side_how']}{sure}), "
                  f"length {foot['measures']['length']['value_mm']:.1f} mm, profile {rec['inputs']['profile']}")
        for warning in foot["warnings"]:
            out.print(f"[yellow]warning:[/] {warning}")
        arch = part["derived"]["arch"]
        out.print(f"arch apex {arch['target']:.1f} mm at {arch['apex_x']:.0f} mm from the heel ({arch['height_how']}; {arch['apex_how']})")
    table = Table(show_header=True, header_style="bold")
    for col in ("device", "x extent mm", "y extent mm", "height mm", "volume cm³", "triangles", "checks"):
        table.add_column(col)
    for side, dev in rec["devices"].items():
        checks = dev["checks"]
        table.add_row(side, f"{dev['length_mm']:.1f}", f"{dev['width_mm']:.1f}", f"{dev['height_mm']:.1f}",
                      f"{checks['volume_mm3'] / 1000:.1f}", str(dev["faces"]),
                      "[green]passed[/]" if checks["passed"] else "[red]failed[/]")
    out.print(table)
    if "contour" in rec:
        parts = [f"{region.replace('_', ' ')} {d['mean_mm']:+.1f} (rms {d['rms_mm']:.1f})"
                 for region, d in rec["contour"]["deviation_by_region"].items() if d]
        out.print("top minus the scanned sole, mm: " + "; ".join(parts))
    verified = rec["prescribed_vs_measured"]
    checks = Table("measured (from the mesh)", "prescribed", "measured", "tolerance", "", header_style="bold",
                   title=f"{verified['device']} device, measured by insolegen measure")
    for c in verified["checks"]:
        if c["compared"]:
            checks.add_row(c["quantity"], f"{c['prescribed']:.2f}", f"{c['measured']:.2f}", f"± {c['tolerance']:g}",
                           "[green]ok[/]" if c["ok"] else "[red]MISS[/]")
    out.print(checks)
    for fn in result.files:
        out.print(f"  wrote {out_dir / fn}")


@app.command(epilog="Examples:\n\n  insolegen profiles\n\n  insolegen profiles pronation-moderate\n\n  insolegen profiles --fields")
def profiles(
    name: Optional[str] = typer.Argument(None, help="Show this profile, resolved (with what it extends)."),
    fields: bool = typer.Option(False, "--fields", help="List every prescription field: unit, default, range, meaning."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the prescription profiles, show one, or list the prescription fields."""
    from insolegen.prescription import describe_fields
    from insolegen.profiles import list_profiles, resolve_prescription

    try:
        if fields:
            rows = describe_fields()
            if as_json:
                out.print_json(json.dumps(rows))
                return
            table = Table("field", "unit", "default", "range", "meaning", header_style="bold")
            for r in rows:
                rng = r["choices"] or (f"{r['min']:g} … {r['max']:g}" if r["min"] is not None else "")
                table.add_row(r["field"], r["unit"], str(r["default"]), rng, r["meaning"])
            out.print(table)
        elif name:
            rx, prov = resolve_prescription(name, [])
            if as_json:
                out.print_json(json.dumps({"provenance": prov, "prescription": rx.model_dump()}))
                return
            out.print(f"[bold]{name}[/]: {list_profiles().get(prov['profile'], '')}")
            out.print(f"extends: {' -> '.join(f['name'] for f in prov['profile_files'])}")
            for section, values in rx.model_dump().items():
                if isinstance(values, dict):
                    out.print(f"[bold]\\[{section}][/]")
                    for k, v in values.items():
                        out.print(f"  {k} = {v!r}")
        else:
            found = list_profiles()
            if as_json:
                out.print_json(json.dumps(found))
                return
            table = Table("profile", "clinical intent", header_style="bold")
            for n, desc in found.items():
                table.add_row(n, desc)
            out.print(table)
    except InsolegenError as exc:
        _fail(exc)


SCAN_EPILOG = """
Examples:

  insolegen scan left_foot.stl                       # side, length, widths, arch, landmarks

  insolegen scan plantar.obj --side right --json

  insolegen scan left_foot.stl --out outlines/       # writes NAME_outline.json and NAME_outline.svg

  insolegen design outlines/left_foot_outline.json   # design from the (checked, edited) outline

3D scans: STL, PLY, OBJ; a whole closed foot or an open plantar surface; mm or metres
(detected and said); any placement (the sole is levelled on the ground plane found).
"""


@app.command(epilog=SCAN_EPILOG)
def scan(
    scan_file: Path = typer.Argument(..., help="A 3D foot scan (.stl, .ply, .obj), a footprint image (.png, .jpg) or a pressure recording (.csv)."),
    dpi: Optional[float] = typer.Option(None, "--dpi", help="Footprint images: pixels per inch (default: the scale marker, else the image's DPI)."),
    pitch_mm: Optional[float] = typer.Option(None, "--pitch-mm", help="Pressure recordings: the sensor pitch in mm (not stored in the file)."),
    side: Optional[str] = typer.Option(None, "--side", help="left or right (default: detected from the medial arch)."),
    units: Optional[str] = typer.Option(None, "--units", help="mm, cm, m or in (default: mm, or metres when the scan is a foot's size in metres)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write NAME_outline.json and NAME_outline.svg here."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite existing outline files."),
) -> None:
    """Read a 3D foot scan: side, foot length, ball and heel width, the medial arch, landmarks."""
    from insolegen.footprint_image import feet_from_image, is_image_file
    from insolegen.pressure import foot_from_pressure, is_pressure_file
    from insolegen.scan3d import read_scan
    from insolegen.scan_report import outline_json, outline_svg, scan_record

    try:
        if is_image_file(scan_file):
            image, feet = feet_from_image(scan_file, dpi)
            _print_feet(scan_file, feet, f"scale {image.px_per_mm:.2f} px/mm from {image.scale_how}", as_json, out_dir, force)
            return
        if scan_file.is_file() and is_pressure_file(scan_file):
            foot = foot_from_pressure(scan_file, pitch_mm, side)
            _print_feet(scan_file, [foot], f"sensor pitch {pitch_mm} mm", as_json, out_dir, force)
            return
        result = read_scan(scan_file, units, side)
        record = scan_record(result)
        written = {}
        if out_dir is not None:
            name = scan_file.stem
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
    out.print(f"[bold]{scan_file}[/]: {record['kind']}, {record['format'].upper()}, units {record['units']} ({record['units_how']})")
    out.print(f"{record['side']} foot ({how}; confidence {record['side_confidence']:.2f})")
    table = Table("measure", "mm", "how", header_style="bold")
    for key, m in record["measures"].items():
        table.add_row(key.replace("_", " "), f"{m['value_mm']:.1f}", m["how"])
    for key, value in record["arch_measurements"].items():
        table.add_row(f"arch {key.replace('_mm', '').replace('_', ' ')}", f"{value:.1f}", "plantar surface along the medial border")
    out.print(table)
    landmarks = Table("landmark", "x mm", "y mm", "how", header_style="bold")
    for key, lm in record["landmarks"].items():
        landmarks.add_row(key, f"{lm['x_mm']:.1f}", f"{lm['y_mm']:.1f}", lm["how"])
    out.print(landmarks)
    if record.get("indices"):
        indices = Table("index", "value", "reference", header_style="bold", title=record["indices"]["note"])
        for key, index in record["indices"].items():
            if isinstance(index, dict):
                shown = "—" if index["value"] is None else f"{index['value']}" + (f" ({index['class']})" if index.get("class") else "")
                indices.add_row(key.replace("_", " "), shown, index["reference"])
        out.print(indices)
    for warning in record["warnings"]:
        out.print(f"[yellow]warning:[/] {warning}")
    for path in written:
        out.print(f"  wrote {path}")


def _write_new(files: dict, force: bool) -> None:
    """Write the outline files atomically; refuse to overwrite unless ``force``."""
    from insolegen.export import write_all

    existing = [p for p in files if p.exists()]
    if existing and not force:
        raise InsolegenError(f"{existing[0]} exists; use --force to overwrite")
    write_all(files)


def _print_feet(path: Path, feet, scale: str, as_json: bool, out_dir, force: bool) -> None:
    """`insolegen scan IMAGE|PRESSURE`: every footprint found, its side, length and widths."""
    from insolegen.scan_report import outline_json

    written = {}
    if out_dir is not None:
        for k, foot in enumerate(feet):
            description = f"footprint {k + 1} of {len(feet)} read from {path.name} by insolegen scan"
            written[out_dir / f"{path.stem}_{foot.side}_outline.json"] = outline_json(
                foot, f"{path.stem}_{foot.side}", description, with_landmarks=False)
        _write_new(written, force)
    records = [{"side": f.side, "side_confidence": f.side_confidence, "source": f.source,
                "measures": {k: m.as_dict() for k, m in f.measures.items()},
                "landmarks": {k: lm.as_dict() for k, lm in f.landmarks.items()}, "indices": f.indices,
                "warnings": list(f.warnings)}
               for f in feet]
    if as_json:
        out.print_json(json.dumps({"file": str(path), "scale": scale, "feet": records, "written": [str(p) for p in written]}))
        return
    out.print(f"[bold]{path}[/]: {len(feet)} footprint(s); {scale}")
    table = Table("footprint (left to right)", "side", "length mm", "ball width mm", "heel width mm", header_style="bold")
    for k, r in enumerate(records, 1):
        m = r["measures"]
        table.add_row(str(k), f"{r['side']} ({r['side_confidence']:.2f})", f"{m['length']['value_mm']:.1f}",
                      f"{m['ball_width']['value_mm']:.1f}", f"{m['heel_width']['value_mm']:.1f}")
    out.print(table)
    for k, found in enumerate((f.indices for f in feet if f.indices), 1):
        lines = [f"{name.replace('_', ' ')} {i['value']}" + (f" ({i['class']})" if i.get("class") else "")
                 for name, i in found.items() if isinstance(i, dict)]
        out.print(f"footprint {k} indices: " + "; ".join(lines))
        if found.get("note"):
            out.print(f"  ({found['note']})")
    for p in written:
        out.print(f"  wrote {p}")


PREVIEW_EPILOG = """
Examples:

  insolegen preview output/EU42_medium.json --screenshot pair.png          # the pair, iso view, height colours

  insolegen preview output/ --view all --sections --screenshot check.png   # every view and the sections

  insolegen preview output/EU42_medium_right.stl --color thickness --view posterior --screenshot post.png

  insolegen preview out/pat042.json --scan pat042_scan.stl --view medial --screenshot fit.png   # the fit on the scan

With no display (a headless server) it renders off-screen through OSMesa (apt-get install
libosmesa6) and needs --screenshot.
"""


@app.command(epilog=PREVIEW_EPILOG)
def preview(
    target: Path = typer.Argument(..., help="A design record (CASE.json), the folder of a design, or a mesh (.stl, .3mf, .obj, .ply)."),
    screenshot: Optional[Path] = typer.Option(None, "--screenshot", help="Render off-screen to this PNG (needed without a display)."),
    color: str = typer.Option("height", "--color", help="height (above the ground), thickness (top minus bottom) or none."),
    view: list[str] = typer.Option(["iso"], "--view", help="top, medial, lateral, posterior, iso or all (repeatable)."),
    sections: bool = typer.Option(False, "--sections", help="Add cross-sections at the heel seat, arch apex and met pad, with their heights."),
    pair: bool = typer.Option(True, "--pair/--single", help="Given one STL of a case, show its other side beside it."),
    scan: Optional[Path] = typer.Option(None, "--scan", help="The 3D scan the design came from (default: found by name beside the record)."),
    size: str = typer.Option("1600x900", "--size", help="Picture size in pixels, WIDTHxHEIGHT."),
) -> None:
    """Look at a device or a pair before printing: colour maps, technician's views, sections, the scan's fit."""
    from insolegen.preview import VIEWS, load_preview_input, render

    try:
        views = VIEWS if "all" in view else tuple(view)
        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            raise InvalidInput(f"--size {size!r}: expected WIDTHxHEIGHT, for example 1600x900") from None
        if not (100 <= width <= 8000 and 100 <= height <= 8000):
            raise InvalidInput(f"--size {size!r}: each side must be 100-8000 pixels")
        if screenshot is not None and screenshot.suffix.lower() != ".png":
            raise InvalidInput(f"--screenshot {screenshot}: the picture is a PNG; name it .png")
        shown = load_preview_input(target, scan, pair)
        written = render(shown, views, color, sections, (width, height), screenshot)
    except InsolegenError as exc:
        _fail(exc)
    if written is not None:
        out.print(f"wrote {written}")


REPORT_EPILOG = """
Examples:

  insolegen report output/EU42_medium.json                 # writes output/EU42_medium_report.pdf

  insolegen report output/ --out ~/cases/EU42_report.pdf --material pa12 --printer prusa-mk4

  insolegen design scan.stl --contour scan --report        # design and report in one go

One A4 page: the case name, date, tool version, the prescription beside what the meshes
measure, landmarks and clinical indices where the input shows them, the mesh checks, the
printability verdict, material and mass, and pictures of the pair (rendered off-screen).
"""


@app.command(epilog=REPORT_EPILOG)
def report(
    target: Path = typer.Argument(..., help="A design record (CASE.json) or the folder of a design."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="The PDF to write (default: CASE_report.pdf beside the record)."),
    material_name: str = typer.Option("tpu95a", "--material", help="Material for the mass (see `insolegen measure --help`)."),
    printer_name: str = typer.Option("generic", "--printer", help="Printer for the printability verdict (see `insolegen measure --help`)."),
    scan: Optional[Path] = typer.Option(None, "--scan", help="The 3D scan the design came from, drawn with the devices (default: found by name beside the record)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing report."),
) -> None:
    """Write the one-page case report (PDF) for a podiatrist's file and the technician's bench."""
    from insolegen.report import case_record

    try:
        record = case_record(target)
        path = out_file or record.with_name(record.stem + "_report.pdf")
        if path.suffix.lower() != ".pdf":
            raise InvalidInput(f"--out {path}: the report is a PDF; name it .pdf")
        if path.exists() and not force:
            raise InvalidInput(f"{path} exists; use --force to overwrite")
        verdicts = _write_report(record, scan, path, material_name, printer_name)
    except InsolegenError as exc:
        _fail(exc)
    for side, m in verdicts.items():
        verdict = "[green]printable[/]" if m.printable else "[red]NOT printable[/]: " + "; ".join(m.reasons)
        out.print(f"{side}: {verdict} on {m.printer} in {m.material} ({m.as_dict()['mass_g']:.1f} g)")
    out.print(f"wrote {path}")


def _write_report(record: Path, scan, path: Path, material_name: str = "tpu95a", printer_name: str = "generic") -> dict:
    """Gather, lay out and write the report atomically; the devices' measurements."""
    from insolegen.export import write_atomic
    from insolegen.report import gather, report_pdf

    inp = gather(record, scan, material_name, printer_name)
    write_atomic(path, report_pdf(inp))
    return inp.measurements


BATCH_EPILOG = """
Examples:

  insolegen batch examples/batch --out batch_out                  # every case, all cores

  insolegen batch scans/ --out out/ --profile pronation-mild --set device.base_thickness_mm=3.5 --report

  insolegen batch scans/ --out out/ --resume                      # redo only what changed or failed

  insolegen batch scans/ --out out/ --scheduler tcp://10.0.0.5:8786   # on a Dask cluster

SCANS holds one folder per case: left.* and/or right.* (or one file whose side is detected, or
one image of both feet), and optionally prescription.toml (profile = "NAME", then tables of
fields as in --set; an [input] table may give units, dpi, pitch_mm, contour). The case's
profile wins over --profile; --set wins over the case's fields. Writes OUT/CASE/ (the files of
`insolegen design`) and OUT/manifest.csv, OUT/manifest.json. Exit status: 0 when every case is
ok (or skipped by --resume), 1 when any failed.
"""


@app.command(epilog=BATCH_EPILOG)
def batch(
    scans: Path = typer.Argument(..., help="The folder of case folders."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Output folder (OUT/CASE/ per case, OUT/manifest.csv and .json)."),
    profile: Optional[str] = typer.Option(None, "--profile", "-p", help="Profile for cases whose prescription.toml names none. [default: neutral]"),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override a field in every case: --set arch.height_mm=24 (repeatable)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Processes on this machine. [default: its cores]"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: the scheduler's address, tcp://HOST:PORT."),
    resume: bool = typer.Option(False, "--resume", help="Keep cases whose outputs match their inputs (hashes, tool version); redo the rest."),
    fail_fast: bool = typer.Option(False, "--fail-fast", help="Stop at the first failed case."),
    report_pdf: bool = typer.Option(False, "--report", help="Also write CASE_report.pdf for every case."),
    force: bool = typer.Option(False, "--force", "-f", help="Run into an OUT that holds an earlier batch, redoing every case."),
) -> None:
    """Design every case in a folder of case folders, locally or on a Dask cluster, with a manifest."""
    from insolegen.batch import BatchOptions
    from insolegen.batch_exec import run_batch
    from insolegen.profiles import resolve_prescription

    try:
        if (out_dir / "manifest.json").exists() and not (resume or force):
            raise InvalidInput(f"{out_dir} holds an earlier batch (manifest.json): use --resume to keep what is done, "
                               "or --force to redo every case")
        if scheduler and workers:
            raise InvalidInput("--workers is for this machine; with --scheduler the cluster's workers run the cases")
        resolve_prescription(profile, list(set_))   # a bad --profile or --set is the run's error, not every case's
        if profile and (profile.endswith(".toml") or "/" in profile):
            profile = str(Path(profile).resolve())    # a file: as a cluster's workers will find it
        options = BatchOptions(profile=profile, overrides=tuple(set_), report=report_pdf)
        with _BatchProgress() as progress:
            summary = run_batch(scans, out_dir, options, workers, scheduler, resume, fail_fast, progress.update)
    except InsolegenError as exc:
        _fail(exc)
    _print_batch_summary(summary, out_dir)
    if summary.count("failed"):
        raise typer.Exit(1)


class _BatchProgress:
    """A bar with counts and an ETA on a terminal; a plain line per case otherwise."""

    def __init__(self):
        self.counts = {"ok": 0, "failed": 0, "skipped": 0}
        self.bar = None

    def __enter__(self):
        if out.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("cases"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=out)
            self.bar.start()
        return self

    def update(self, outcome, done: int, total: int) -> None:
        if outcome is None:                      # before the first case: how many there are
            if self.bar is None:
                out.print(f"{total} case(s)")
            else:
                self.task = self.bar.add_task("cases", total=total, counts="")
            return
        self.counts[outcome.status] += 1
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        if self.bar is None:
            message = f": {outcome.message}" if outcome.message and outcome.status != "ok" else ""
            out.print(f"[{done}/{total}] {outcome.name} {outcome.status} ({outcome.seconds:.1f} s){message}",
                      markup=False, highlight=False, soft_wrap=True)
            return
        self.bar.update(self.task, completed=done, counts=counts)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _print_batch_summary(summary, out_dir: Path) -> None:
    table = Table("cases", "ok", "failed", "skipped", "not run", "time", "cases per minute", header_style="bold")
    rate = 60.0 * len(summary.outcomes) / summary.seconds if summary.seconds else 0.0
    table.add_row(str(summary.total), str(summary.count("ok")), str(summary.count("failed")), str(summary.count("skipped")),
                  str(summary.total - len(summary.outcomes)), f"{summary.seconds:.1f} s", f"{rate:.0f}")
    out.print(table)
    failed = [o for o in summary.outcomes if o.status == "failed"]
    if failed:
        errors = Table("failed case", "why", header_style="bold red")
        for o in sorted(failed, key=lambda o: o.name):
            errors.add_row(o.name, o.message)
        out.print(errors)
    if summary.stopped_early:
        out.print("[yellow]stopped at the first failure (--fail-fast)[/]")
    out.print(f"wrote {out_dir / 'manifest.csv'} and {out_dir / 'manifest.json'}")


def _measure_epilog() -> str:
    from insolegen.measure.printing import MATERIALS, PRINTERS
    from insolegen.measure.quantities import DEFINITIONS

    lines = ["Examples:", "  insolegen measure output/EU42_right.stl",
             "  insolegen measure output/EU42.3mf --json", "  insolegen measure scan_insole.obj --side left --material pa12 --printer prusa-mk4",
             "What is reported (mm, degrees; x from the heel along the long axis L, z up from the ground):"]
    lines += [f"  {name}: {meaning}" for name, meaning in DEFINITIONS.items()]
    lines += ["  mesh: watertight, bodies, degenerate and duplicate faces, winding, self-intersections (of the file as given)",
              "Materials: " + ", ".join(f"{k} ({m.density_g_cm3} g/cm³)" for k, m in MATERIALS.items()),
              "Printers: " + ", ".join(f"{k} ({' x '.join(f'{v:g}' for v in p.build_mm)} mm, wall {p.min_wall_mm:g})" for k, p in PRINTERS.items()),
              "Exit status: 0 printable, 1 not printable (reasons printed) or not readable as an insole."]
    return "\n\n".join(lines)


@app.command(epilog=_measure_epilog())
def measure(
    mesh_file: Path = typer.Argument(..., help="The insole: .stl (binary or ASCII), .3mf, .obj or .ply; mm or metres."),
    side: str = typer.Option("auto", "--side", help="left, right or auto (detected from the medial arch and the hallux side)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    material_name: str = typer.Option("tpu95a", "--material", help="Material for the mass (see below)."),
    printer_name: str = typer.Option("generic", "--printer", help="Printer for the printability verdict (see below)."),
    units: Optional[str] = typer.Option(None, "--units", help="Units of the file: mm, cm, m, in (default: mm, or metres when the mesh is an insole's size in metres)."),
) -> None:
    """Measure any insole mesh from the mesh alone, check its mesh and say whether it is printable."""
    from insolegen.measure import measure_file

    try:
        found, info = measure_file(mesh_file, side=side, units=units, material_name=material_name, printer_name=printer_name)
    except InsolegenError as exc:
        _fail(exc)
    if as_json:
        records = [m.as_dict() for m in found]
        doc = {**info, **records[0]} if len(records) == 1 else {**info, "insoles": records}
        out.print_json(json.dumps(doc))
    else:
        _print_measurements(found, info)
    if not all(m.printable for m in found):
        raise typer.Exit(1)


def _print_measurements(found, info) -> None:
    from insolegen.measure.quantities import DEFINITIONS

    out.print(f"[bold]{info['file']}[/]: {info['format'].upper()}, units {info['units']} ({info['units_how']})")
    for m in found:
        d = m.as_dict()
        conf = d["frame"]["confidence"]
        out.print(f"[bold]{m.name}[/]: {d['side']} insole (side confidence {conf['side']:.2f}; heel end {conf['heel_end']:.2f}; "
                  f"ground {conf['bottom']:.2f})")
        table = Table("quantity", "value", "meaning", header_style="bold")
        for key in DEFINITIONS:
            if key == "side":
                continue
            value = d.get(key)
            shown = "—" if value is None else (f"{value:.3f}" if key == "arch_apex_frac" else f"{value:.2f}")
            table.add_row(key, shown, DEFINITIONS[key])
        out.print(table)
        mesh = d["mesh"]
        crossings = "not checked" if mesh["self_intersections"] is None else str(mesh["self_intersections"])
        out.print(f"mesh: {mesh['triangles']} triangles, watertight {mesh['watertight']}, bodies {mesh['bodies']}, "
                  f"degenerate faces {mesh['degenerate_faces']}, winding consistent {mesh['winding_consistent']}, "
                  f"outward {mesh['outward']}, self-intersections {crossings}")
        for warning in d["warnings"]:
            out.print(f"[yellow]warning:[/] {warning}")
        verdict = "[green]printable[/]" if m.printable else "[red]NOT printable[/]"
        out.print(f"{verdict} on {m.printer} in {m.material} ({d['mass_g']:.1f} g)")
        for reason in m.reasons:
            out.print(f"  - {reason}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written was left behind")
        sys.exit(130)


if __name__ == "__main__":
    main()
