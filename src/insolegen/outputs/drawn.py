"""What a case draws from its own files as they are written: the preview picture, the 3D view
and the report, each read from the staged design record and meshes (so each shows what was
written, measured afresh), for the one case writer (``outputs.export.write_case``)."""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from insolegen.measure.printing import DEFAULT_MATERIAL, DEFAULT_PRINTER
from insolegen.outputs.export import write_atomic, write_files

PREVIEW_SIZE = (2400, 900)


@dataclass(frozen=True)
class Drawn:
    """Which drawn outputs a case gets, and what they need: the foot scan drawn with the device
    (or None), the report's material, printer and date (None: SOURCE_DATE_EPOCH, else today)."""
    preview: bool = False
    html: bool = False
    report: bool = False
    scan: Path | None = None
    material: str = DEFAULT_MATERIAL
    printer: str = DEFAULT_PRINTER
    date: dt.date | None = None

    def names(self, case: str) -> list[str]:
        return ([f"{case}_preview.png"] if self.preview else []) + ([f"{case}_view.html"] if self.html else []) + \
            ([f"{case}_report.pdf"] if self.report else [])

    def __call__(self, stage: Path, case: str) -> list[Path]:
        """Draw each output into ``stage`` from the case's files there; the paths written."""
        from insolegen.outputs.preview import VIEWS, load_preview_input, render_png

        record = stage / f"{case}.json"
        written = []
        if self.preview or self.html:
            shown = load_preview_input(record, self.scan)
        if self.preview:
            written.append(stage / f"{case}_preview.png")
            write_atomic(written[-1], render_png(shown, VIEWS, "height", True, PREVIEW_SIZE))
        if self.html:
            from insolegen.outputs.webview import view_html

            written.append(stage / f"{case}_view.html")
            write_atomic(written[-1], view_html(shown).encode("utf-8"))
        if self.report:
            written.append(stage / f"{case}_report.pdf")
            write_report(record, self.scan, written[-1], self.material, self.printer, self.date)
        return written

    def as_bytes(self, files: dict[str, bytes], case: str) -> dict[str, bytes]:
        """The drawn outputs' bytes, drawn from ``files`` as they would lie in the case's folder
        (the batch draws in its workers and writes in one place)."""
        if not self.names(case):
            return {}
        with tempfile.TemporaryDirectory(prefix="insolegen-draw-") as tmp:
            write_files(Path(tmp), files)
            return {p.name: p.read_bytes() for p in self(Path(tmp), case)}


def write_report(record: Path, scan: Path | None, path: Path, material: str = DEFAULT_MATERIAL,
                 printer: str = DEFAULT_PRINTER, date: dt.date | None = None) -> dict:
    """Gather, lay out and write a case's report atomically (``design --report`` and ``report``);
    the devices' measurements, for the verdicts a caller prints."""
    from insolegen.outputs.preview import record_guard
    from insolegen.outputs.report import gather, report_pdf

    with record_guard(record):
        inp = gather(record, scan, material, printer)
        pdf = report_pdf(inp, date)
    write_atomic(path, pdf)
    return inp.measurements
