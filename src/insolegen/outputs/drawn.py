"""What a case draws from its own files as they are written: the preview picture, the 3D view
and the report, each read from the staged design record and meshes (so each shows what was
written, measured afresh), for the one case writer (``outputs.export.write_case``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from insolegen.measure.printing import DEFAULT_MATERIAL, DEFAULT_PRINTER
from insolegen.outputs.export import write_atomic

PREVIEW_SIZE = (2400, 900)


@dataclass(frozen=True)
class Drawn:
    """Which drawn outputs a case gets, and what they need: the foot scan drawn with the device
    (or None), the report's material and printer."""
    preview: bool = False
    html: bool = False
    report: bool = False
    scan: Path | None = None
    material: str = DEFAULT_MATERIAL
    printer: str = DEFAULT_PRINTER

    def names(self, case: str) -> list[str]:
        return ([f"{case}_preview.png"] if self.preview else []) + ([f"{case}_view.html"] if self.html else []) + \
            ([f"{case}_report.pdf"] if self.report else [])

    def __call__(self, stage: Path, case: str) -> list[Path]:
        """Draw each output into ``stage`` from the case's files there; the paths written."""
        from insolegen.outputs.preview import VIEWS, load_preview_input, record_guard, render_png

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
            from insolegen.outputs.report import gather, report_pdf

            written.append(stage / f"{case}_report.pdf")
            with record_guard(record):
                pdf = report_pdf(gather(record, self.scan, self.material, self.printer))
            write_atomic(written[-1], pdf)
        return written
