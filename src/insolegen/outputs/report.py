"""The one-page case report: what was prescribed, what the meshes measure, whether they will
print, and pictures of the pair, as a PDF a podiatrist can file and a technician can print.

PDF, not HTML: an A4 page prints and files the same everywhere, holds its pictures in the one
file, and needs no browser. ``report_pdf`` lays out the page from what ``gather`` collected
(the design record, a fresh measurement of each mesh, the preview picture).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.extras import require_extra
from insolegen.measure import Measurement, measure_mesh
from insolegen.measure.printing import DEFAULT_MATERIAL, DEFAULT_PRINTER
from insolegen.outputs.numbers import fixed
from insolegen.outputs.prescription_text import prescription_lines
from insolegen.outputs.readings import check_table, device_size, shoe_lines, total_contact_rule

PICTURE_VIEWS = ("top", "medial", "posterior", "iso")
PICTURE_SIZE = (2000, 1000)       # about 280 dpi across the page
PAGE_MARGIN_MM = 12.0
PICTURE_SCALES = (1.0, 0.85, 0.7)   # the picture's share of the width tried, largest first, to keep one page
FONT = "Vera"                       # Bitstream Vera, shipped with reportlab (a permissive licence), embedded
MIN_TYPE_PT = 7.0                   # nothing is set smaller: the size a lab reads on paper


REPORTED_LANDMARKS = ("heel_center", "navicular", "ball_medial", "ball_lateral", "mth1_head", "mth5_head", "met_pad_center")


@dataclass
class ReportInput:
    record: dict
    record_file: str
    record_sha256: str
    measurements: dict[str, Measurement]       # side -> the device measured from its mesh
    picture_png: bytes | None


def gather(record_path: str | Path, scan: str | Path | None = None, material_name: str = DEFAULT_MATERIAL,
           printer_name: str = DEFAULT_PRINTER, picture: bool = True) -> ReportInput:
    """Read a design record (or the folder of one) and its meshes; measure each mesh afresh for
    the mesh checks, the printability verdict and the mass; render the preview picture."""
    require_extra("report")
    from insolegen.outputs.preview import load_preview_input, render_png

    shown = load_preview_input(case_record(record_path), scan)
    measurements = {}
    for k, d in enumerate(shown.devices):
        # a pair's left is its right mirrored; a mirror image crosses itself exactly as often, so
        # a count of none is not made twice (the costliest check); any other count is made afresh
        twin = next((measurements[e.side or e.label] for e in shown.devices[:k] if _mirror_images(e, d)), None)
        reuse = twin is not None and twin.state is not None and twin.state.self_intersections == 0
        m = measure_mesh(d.vertices, d.faces, name=d.label, side=d.side or "auto", material_name=material_name,
                         printer_name=printer_name, check_intersections=not reuse)
        if reuse and m.state is not None:
            m.state = replace(m.state, self_intersections=0)
        measurements[d.side or d.label] = m
    png = render_png(shown, PICTURE_VIEWS, "height", True, PICTURE_SIZE) if picture else None
    path = shown.record_path
    return ReportInput(shown.record, path.name, hashlib.sha256(path.read_bytes()).hexdigest(), measurements, png)


def _mirror_images(a, b) -> bool:
    """Whether ``b``'s triangles are exactly ``a``'s mirrored across y = 0 (corners reversed, so
    both face outward)."""
    if a.faces.shape != b.faces.shape:
        return False
    return np.array_equal((a.vertices * [1.0, -1.0, 1.0])[a.faces[:, ::-1]], b.vertices[b.faces])


def case_record(path: str | Path) -> Path:
    """The design record a report is of: the record itself, or the one in a case's folder."""
    from insolegen.outputs.preview import find_record

    record = find_record(path)
    if record is None:
        raise InvalidInput(f"{path}: a report is of a case: give its design record (CASE.json) or its folder, not a mesh")
    return record


def report_pdf(inp: ReportInput, date: dt.date | None = None) -> bytes:
    """The report, as PDF bytes: one page where it fits (the picture a little smaller if that
    keeps it to one), else flowing onto a second; the type is never shrunk. Dated ``date`` (its
    creation stamp midnight UTC that day), else SOURCE_DATE_EPOCH's moment where that is set,
    else now: the same input and date give the same bytes."""
    stamp = _stamp(date)
    for picture_scale in PICTURE_SCALES:
        pdf, pages = _build(inp, stamp, picture_scale)
        if pages == 1:
            return pdf
    return _build(inp, stamp, PICTURE_SCALES[0])[0]


def _stamp(date: dt.date | None) -> dt.datetime:
    """When the report is of: ``date`` at midnight UTC, else the build's SOURCE_DATE_EPOCH (the
    reproducible-builds convention), else now."""
    if date is not None:
        return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InvalidInput(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970") from None
    return dt.datetime.now(dt.timezone.utc)


def _build(inp: ReportInput, stamp: dt.datetime, picture_scale: float) -> tuple[bytes, int]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _register_fonts()
    buffer = io.BytesIO()
    margin = PAGE_MARGIN_MM * mm
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin + 3 * mm, title=f"insolegen case report: {inp.record['case']}",
                            author="insolegen", subject="orthotic insole design record", invariant=True)
    frame_padding = 12.0          # the template's frame pads 6 pt on each side
    from reportlab import rl_config

    # the picture stored deflated but not also ASCII85-encoded: without reportlab's C accelerator
    # that encoding is pure Python, a fifth of a second a page (and a quarter more bytes)
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        page = _Page(inp, stamp.date(), doc.width - frame_padding, picture_scale)
        footer = _footer(f"insolegen case report: {inp.record['case']}", margin)
        doc.build(page.story(), onFirstPage=footer, onLaterPages=footer, canvasmaker=_dated_canvas(stamp))
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue(), doc.page


def _register_fonts() -> None:
    """Bitstream Vera (regular, bold, italic, bold italic) as one family, embedded in every PDF:
    the base-14 Helvetica is not embedded, and readers substitute their own metrics for it."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, file, bold, italic in ((FONT, "Vera.ttf", 0, 0), (FONT + "-Bold", "VeraBd.ttf", 1, 0),
                                     (FONT + "-Italic", "VeraIt.ttf", 0, 1), (FONT + "-BoldItalic", "VeraBI.ttf", 1, 1)):
        pdfmetrics.registerFont(TTFont(name, file))
        addMapping(FONT, bold, italic, name)


def _dated_canvas(stamp: dt.datetime):
    """A reportlab canvas whose creation and modification dates are ``stamp`` (reportlab's own
    invariant mode writes 2000-01-01)."""
    from reportlab.lib.utils import TimeStamp
    from reportlab.pdfgen.canvas import Canvas

    class DatedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "initialFontName": FONT})      # no base-14 font left unembedded
            when = TimeStamp(invariant=True)
            when.t = stamp.timestamp()
            when.lt = stamp.utctimetuple()
            when.YMDhms = tuple(when.lt)[:6]
            self._doc._timeStamp = when

    return DatedCanvas


def _footer(text: str, margin: float):
    """The case and the page number at the foot of every page (a report that flows to two)."""
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, MIN_TYPE_PT)
        canvas.drawString(margin, margin * 0.6, text)
        canvas.drawRightString(doc.pagesize[0] - margin, margin * 0.6, f"page {doc.page}")
        canvas.restoreState()

    return draw


class _Page:
    def __init__(self, inp: ReportInput, date: dt.date, width: float, picture_scale: float = 1.0):
        from reportlab.lib.styles import getSampleStyleSheet

        self.inp, self.rec, self.date, self.width, self.picture_scale = inp, inp.record, date, width, picture_scale
        base = getSampleStyleSheet()
        bold = FONT + "-Bold"
        self.title = base["Title"].clone("t", fontName=bold, fontSize=15, leading=18, spaceAfter=2, alignment=0)
        self.head = base["Heading4"].clone("h", fontName=bold, fontSize=9, leading=11, spaceBefore=5, spaceAfter=2, keepWithNext=1)
        self.body = base["BodyText"].clone("b", fontName=FONT, fontSize=8, leading=9.8, spaceAfter=1)
        self.small = base["BodyText"].clone("s", fontName=FONT, fontSize=MIN_TYPE_PT, leading=8.6)
        self.cell = self.small.clone("c", spaceBefore=0, spaceAfter=0)
        self.cell_head = self.cell.clone("ch", fontName=bold)

    def story(self) -> list:
        from reportlab.platypus import KeepTogether

        feet = list(self._feet_by_device().items())
        if "contour" in self.rec:   # total contact: the checks need the page's width for their columns
            tables = [self._verification(feet), self._foot_tables(feet)]
        elif len(feet) == 1:        # the checks beside the landmarks
            tables = [[self._two_columns(self._verification(feet), self._foot_tables(feet))]]
        else:                       # each device's checks beside the other's, then their landmarks
            tables = [[self._p("Prescribed and measured", self.head),
                       self._two_columns(self._verification(feet[:1], heading=False), self._verification(feet[1:], heading=False))],
                      [self._two_columns(self._foot_tables(feet[:1]), self._foot_tables(feet[1:]))]]
        sections = [self._heading(), self._feet(), self._picture(), *tables, self._devices(), self._contour(), self._shoe(),
                    self._zones_and_offload(), self._prescription(), self._warnings(), self._signatures()]
        # a section is kept whole where it fits a page: no heading left at a page's foot
        return [KeepTogether(part) for part in sections if part]

    # --- pieces -------------------------------------------------------------------------------

    def _p(self, text: str, style=None):
        from reportlab.platypus import Paragraph

        return Paragraph(text, style or self.body)

    def _heading(self) -> list:
        rec, inp = self.rec, self.inp
        foot_in = rec["inputs"]["foot"]
        source = (f"size {foot_in['size']} {foot_in['width']}" if foot_in["kind"] == "size"
                  else f"{foot_in['file']} (sha256 {foot_in['sha256'][:12]})")
        changed = len(rec["inputs"].get("overrides") or [])
        # the fields' new values are in the prescription below, in words; their paths in the record
        overrides = f"{changed} field{'s' if changed != 1 else ''} changed" if changed else "as the profile"
        return [
            self._p(f"Insole case report: {_esc(rec['case'])}", self.title),
            self._p(f"Report date <b>{self.date.isoformat()}</b> &nbsp; · &nbsp; insolegen {rec['tool']['version']} &nbsp; · &nbsp; "
                    f"design record {_esc(inp.record_file)} (sha256 {inp.record_sha256[:12]})"),
            self._p(f"Foot from <b>{_esc(source)}</b> &nbsp; · &nbsp; profile <b>{_esc(rec['inputs']['profile'] or 'given as an object')}</b>, "
                    f"{overrides} &nbsp; · &nbsp; top: {rec['inputs']['contour']} &nbsp; · &nbsp; "
                    f"devices: {', '.join(rec['devices'])}"),
        ]

    def _feet_by_device(self) -> dict:
        """{label: {foot, derived, prescribed_vs_measured}}: one entry, or one per side when each
        device was made from its own foot."""
        rec = self.rec
        if rec.get("per_side_feet"):
            return {f"{side} device": part for side, part in rec["per_side_feet"].items()}
        return {"": {"foot": rec["foot"], "derived": rec["derived"], "prescribed_vs_measured": rec["prescribed_vs_measured"]}}

    def _feet(self) -> list:
        lines = []
        for label, part in self._feet_by_device().items():
            foot, arch = part["foot"], part["derived"]["arch"]
            m = foot["measures"]
            sure = "given" if foot["side_how"] == "given" else f"{foot['side_how']}, confidence {foot['side_confidence']:.2f}"
            lead = f"<b>{label}</b>: " if label else ""
            lines.append(self._p(
                f"{lead}{_esc(foot['source'])}: <b>{foot['side']} foot</b> ({_esc(sure)}); length {m['length']['value_mm']:.1f} mm, "
                f"ball width {m['ball_width']['value_mm']:.1f} mm, heel width {m['heel_width']['value_mm']:.1f} mm. "
                f"Arch apex {arch['target']:.1f} mm high at {arch['apex_x']:.0f} mm from the heel "
                f"({_esc(arch['height_how'])}; {_esc(arch['apex_how'])})."))
        return lines

    def _picture(self) -> list:
        from reportlab.lib.units import mm
        from reportlab.platypus import Image

        if self.inp.picture_png is None:
            return []
        w, h = PICTURE_SIZE
        shown = self.width * self.picture_scale
        return [Image(io.BytesIO(self.inp.picture_png), width=shown, height=shown * h / w),
                self._p("Height above the ground (colour, mm); views from above, the medial side, behind and in "
                        "perspective; sections at the heel seat, arch apex and met pad, seen from behind."
                        + (" The scan is drawn translucent." if self.rec["inputs"].get("contour") == "scan" else ""),
                        self.small.clone("cap", spaceAfter=2 * mm))]

    def _two_columns(self, left: list, right: list):
        from reportlab.platypus import Table, TableStyle

        table = Table([[left, right]], colWidths=_shares(0.5, 0.5))
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, MIN_TYPE_PT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (0, -1), 8)]))
        return table

    def _grid(self, rows: list[list], widths=None, bad_rows=()):
        """A table whose every cell wraps within its column (text as a paragraph), header in bold."""
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        def cell(value, r):
            if not isinstance(value, str):
                return value
            style = self.cell_head if r == 0 else self.cell
            if r in bad_rows:
                style = style.clone("bad", textColor=colors.red)
            return self._p(_esc(value), style)

        rows = [[cell(value, r) for value in row] for r, row in enumerate(rows)]
        table = Table(rows, colWidths=_shares(*widths), repeatRows=1)
        style = [("FONT", (0, 0), (-1, -1), FONT, MIN_TYPE_PT), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                 ("LINEBELOW", (0, -1), (-1, -1), 0.3, colors.grey),
                 ("TOPPADDING", (0, 0), (-1, -1), 0.6), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
                 ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        table.setStyle(TableStyle(style))
        return table

    def _verification(self, feet: list, heading: bool = True) -> list:
        out = [self._p("Prescribed and measured", self.head)] if heading else []
        for label, part in feet:
            verified = part["prescribed_vs_measured"]
            headers, table_rows = check_table(verified, with_uncompared=True)
            rows, bad = [headers], []
            for row in table_rows:
                *cells, verdict = row["cells"]
                rows.append([*cells, row["note"] or verdict if not row["compared"] else verdict])
                if not row["ok"]:
                    bad.append(len(rows) - 1)
            mirror = "" if label or len(self.rec["devices"]) == 1 else " (the left device is its mirror image)"
            out.append(self._p(f"{_esc(label or verified['device'] + ' device')}, measured from its mesh by insolegen "
                               f"measure{mirror}", self.small))
            widths = [0.33, 0.19, 0.18, 0.18, 0.12] if len(headers) == 5 else [0.27, 0.11, 0.12, 0.11, 0.11, 0.11, 0.17]
            out.append(self._grid(rows, widths, bad))
            rule = total_contact_rule(verified)
            if rule:
                out.append(self._p(_esc(rule), self.small))
        return out

    def _foot_tables(self, feet: list) -> list:
        out = []
        for label, part in feet:
            foot = part["foot"]
            rows = [["landmark", "x mm", "y mm", "how (± mm)"]]
            rows += [[k.replace("_", " "), f"{lm['x_mm']:.1f}", f"{lm['y_mm']:.1f}", f"{lm['how']} (± {lm.get('uncertainty_mm', 5):g})"]
                     for k, lm in foot["landmarks"].items() if k in REPORTED_LANDMARKS]
            out += [self._p("Landmarks that place the features" + (f", {label}" if label else "") +
                            " (heel at x = 0, medial +y; all of them in the design record)", self.head),
                    self._grid(rows, [0.3, 0.14, 0.14, 0.42])]
            indices = foot.get("indices")
            out.append(self._p("Clinical indices" + (f", {label}" if label else ""), self.head))
            if not indices:
                out.append(self._p("Not known: the foot came from a size or an outline, which does not show the "
                                   "weight-bearing contact area.", self.small))
                continue
            rows = [["index", "value", "reference"]]
            for key, index in indices.items():
                if isinstance(index, dict):
                    value = "—" if index["value"] is None else f"{index['value']}" + (f" ({index['class']})" if index.get("class") else "")
                    rows.append([key.replace("_", " "), value, self._p(_esc(index["reference"]), self.small)])
            out += [self._grid(rows, [0.27, 0.2, 0.53]), self._p(_esc(indices.get("note", "")), self.small)]
        return out

    def _devices(self) -> list:
        rec, found = self.rec, self.inp.measurements
        measured = {side: m.as_dict() for side, m in found.items()}
        sides = list(rec["devices"])
        rows = [["device"] + sides]
        bad = []

        def row(label, fn, missing="mesh not found"):
            """``missing`` stands where the side's mesh was not found (None: ``fn`` needs only the record)."""
            rows.append([label] + [fn(side) if side in found or missing is None else missing for side in sides])

        row("length x width x height", lambda s: " x ".join(fixed(v) for v in device_size(rec, s).values()) + " mm",
            missing=None)
        row("triangles", lambda s: str(rec["devices"][s]["faces"]), missing=None)
        row("mesh (measured)", lambda s: self._p(_mesh_line(measured[s]["mesh"]), self.small))
        row("thinnest point", lambda s: fixed(measured[s]["min_thickness_mm"], unit=" mm"), missing="—")
        row("volume", lambda s: fixed(measured[s]["volume_mm3"] / 1000.0, unit=" cm³"), missing="—")
        row("material, mass", lambda s: f"{found[s].material}, {measured[s]['mass_g']:.1f} g", missing="—")
        row("printer, verdict", lambda s: f"{found[s].printer}: {'PRINTABLE' if found[s].printable else 'NOT PRINTABLE'}"
                                          + (f" ({found[s].placement})" if found[s].placement else ""))
        if any(s in found and not found[s].printable for s in sides):
            bad.append(len(rows) - 1)
            row("why not", lambda s: self._p(_esc("; ".join(found[s].reasons)), self.small), missing="")
        return [self._p("Meshes and printability (each mesh measured afresh from its file)", self.head),
                self._grid(rows, [0.24] + [0.76 / len(sides)] * len(sides), bad)]

    def _contour(self) -> list:
        contour = self.rec.get("contour")
        if not contour:
            return []
        return [self._p("Total contact: the top against the scanned sole", self.head),
                self._p("Top minus the scanned sole seated on the base, mean by region, mm: "
                        + deviation_summary(contour["deviation_by_region"])
                        + f". Smoothed with sigma {contour['smoothing_sigma_mm']:g} mm; held level within "
                          f"{contour['rim_hold_mm']:g} mm of the sole's border.")]

    def _shoe(self) -> list:
        """The shoe: the sock-liner drawn with the device inside it (both from the record, in the
        foot's frame, 1:2), beside the fit's numbers in words (``readings.shoe_lines``)."""
        lines = shoe_lines(self.rec, with_warnings=False)      # the warnings are among the notes
        if not lines:
            return []
        words = [self._p(_esc(line), self.small) for line in lines]
        shoe = self.rec.get("shoe")
        if not shoe:
            return [self._p("The shoe", self.head), *words]
        from reportlab.lib.units import mm

        liner, device = np.array(shoe["liner_mm"]), np.array(self.rec["derived"]["device_outline_mm"])
        column_mm = (0.5 * self.width - 10) / mm
        ratio = int(np.ceil(np.ptp(np.vstack([liner, device])[:, 0]) / column_mm))
        return [self._p(f"The shoe: the sock-liner (grey) and the device (black) from above, heel at the left, 1:{ratio}", self.head),
                self._two_columns([self._plan_drawing(liner, device, 1.0 / ratio)], words)]

    def _plan_drawing(self, liner: np.ndarray, device: np.ndarray, scale: float):
        """Both outlines (the foot's frame, + medial up: a right foot seen from above) at ``scale``."""
        from reportlab.graphics.shapes import Drawing, PolyLine
        from reportlab.lib import colors
        from reportlab.lib.units import mm

        lo = np.minimum(liner.min(axis=0), device.min(axis=0))
        size = (np.maximum(liner.max(axis=0), device.max(axis=0)) - lo) * scale * mm
        drawing = Drawing(float(size[0]) + 2, float(size[1]) + 2)
        for outline, colour, width in ((liner, colors.grey, 1.2), (device, colors.black, 0.6)):
            pts = (np.vstack([outline, outline[:1]]) - lo) * scale * mm + 1
            drawing.add(PolyLine(pts.ravel().tolist(), strokeColor=colour, strokeWidth=width))
        return drawing

    def _zones_and_offload(self) -> list:
        """Offload pockets beside what the mesh measures, and the print zones with their stiffness."""
        out = []
        pockets = self.rec.get("prescribed_vs_measured", {}).get("offload_pockets") or []
        if pockets:
            rows = [["Offload pocket", "Place x, y (mm)", "Depth (mm)", "Measured (mm)"]]
            bad = []
            for k, row in enumerate(pockets, start=1):
                sites = row["sites"]
                rows.append([" + ".join(s["site"] for s in sites), "; ".join(f"{s['x_mm']:.0f}, {s['y_mm']:.0f}" for s in sites),
                             fixed(row["prescribed_depth_mm"]), fixed(row["measured_depth_mm"])])
                if not row["ok"]:
                    bad.append(k)
            out += [self._p("Offloading: relief pockets found on the mesh", self.head), self._grid(rows, [0.3, 0.3, 0.2, 0.2], bad)]
        zones = self.rec.get("zones")
        if zones:
            rows = [["Print zone", "Infill", "Thickness (mm)", "Stiffness (approx. kPa per mm)"]]
            for z in zones["zones"]:
                rows.append([z["zone"], f"{z['infill_pct']:g} % {z['pattern']}", fixed(z["mean_thickness_mm"]),
                             f"{z['stiffness_kpa_per_mm']:.0f}"])
            out += [self._p(f"Print zones ({_esc(zones['layout'])}, {_esc(zones['material'])}; 3MF modifier volumes)", self.head),
                    self._grid(rows, [0.34, 0.22, 0.2, 0.24]),
                    self._p("Stiffness: " + _esc(zones["stiffness_how"]) + ".")]
        return out

    def _prescription(self) -> list:
        lines, absent = prescription_lines(self.rec["prescription"], with_zones="zones" in self.rec)
        rows = [[what, text] for what, text in lines]
        out = [self._p("The prescription", self.head), self._grid([["", "as prescribed"], *rows], [0.22, 0.78])]
        if absent:
            out.append(self._p("Not prescribed: " + _esc(", ".join(absent)) + ".", self.small))
        return out

    def _warnings(self) -> list:
        notes = []
        for label, part in self._feet_by_device().items():
            notes += [(label, w) for w in part["foot"]["warnings"]]
        for side, m in self.inp.measurements.items():
            notes += [(f"{side} mesh", w) for w in m.warnings]
        notes += [("shoe", w) for w in (self.rec.get("shoe_style") or {}).get("accepted_beyond", [])]     # a warning, with the notes
        if not notes:
            return []
        return [self._p("Notes", self.head)] + [self._p(f"{_esc(label) + ': ' if label else ''}{_esc(w)}", self.small)
                                                for label, w in notes]

    def _signatures(self) -> list:
        from reportlab.lib.units import mm
        from reportlab.platypus import Spacer, Table, TableStyle

        table = Table([["Designed by", "", "Checked by", "", "Date", ""]],
                      colWidths=_shares(0.1, 0.3, 0.1, 0.3, 0.06, 0.14))
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8),
                                   ("LINEBELOW", (1, 0), (1, 0), 0.5, "black"), ("LINEBELOW", (3, 0), (3, 0), 0.5, "black"),
                                   ("LINEBELOW", (5, 0), (5, 0), 0.5, "black")]))
        return [Spacer(1, 5 * mm), table]


def _shares(*fractions: float) -> list[str]:
    """Column widths as shares of the width there is (the page's, or a cell's)."""
    return [f"{100.0 * f:.3f}%" for f in fractions]


def _mesh_line(mesh: dict) -> str:
    crossings = "not checked" if mesh["self_intersections"] is None else mesh["self_intersections"]
    return (f"watertight {_yes(mesh['watertight'])}, bodies {mesh['bodies']}, winding {_yes(mesh['winding_consistent'])}, "
            f"outward {_yes(mesh['outward'])}, degenerate {mesh['degenerate_faces']}, self-intersections {crossings}")


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def _esc(text: str) -> str:
    """Text for a reportlab Paragraph, which reads a little markup."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def deviation_summary(deviation_by_region: dict) -> str:
    """A total-contact device's fit in one line (console and report): each region's mean and RMS,
    and the RMS of its interior (away from the rim, where the foot's side turns up)."""
    def interior(d):
        return f"rms {d['interior']['rms_mm']:.1f}" if d.get("interior") else "none"

    return "; ".join(f"{region.replace('_', ' ')} {d['mean_mm']:+.1f} (rms {d['rms_mm']:.1f}; inside the rim {interior(d)})"
                     for region, d in deviation_by_region.items() if d)
