"""A top cover's cutting template at 1:1 (mm): its outline seen from above (toes toward +x, a
right foot's medial side up), labelled with the case, the side and the cover, as DXF (for a
cutter or CAD) and SVG (to print at 100 %). Pure: an outline and its words in, bytes out."""
from __future__ import annotations

import io
import threading

import numpy as np

from insolegen.outputs.export import escape

MARGIN_MM = 10.0
TEXT_MM = 5.0
_EZDXF_OPTIONS = threading.Lock()


def template_dxf(outline: np.ndarray, label: str) -> bytes:
    """A DXF (R2010, units mm) holding the outline as one closed polyline and the label as text.
    The same template is the same bytes: ezdxf's clock and random ids are left out of it."""
    import ezdxf

    with _EZDXF_OPTIONS:
        fixed = ezdxf.options.write_fixed_meta_data_for_testing
        ezdxf.options.write_fixed_meta_data_for_testing = True     # (a global: held for this document)
        try:
            doc = ezdxf.new("R2010", units=ezdxf.units.MM)
            msp = doc.modelspace()
            msp.add_lwpolyline([tuple(map(float, p)) for p in outline], close=True, dxfattribs={"layer": "CUT"})
            centre = outline.mean(axis=0)
            msp.add_text(label, height=TEXT_MM, dxfattribs={"layer": "LABEL"}).set_placement(
                (float(centre[0]), float(centre[1])), align=ezdxf.enums.TextEntityAlignment.MIDDLE_CENTER)
            text = io.StringIO()
            doc.write(text)
        finally:
            ezdxf.options.write_fixed_meta_data_for_testing = fixed
    return text.getvalue().encode("utf-8")


def template_svg(outline: np.ndarray, label: str) -> bytes:
    """An SVG whose user unit is 1 mm (width and height in mm): the outline and the label."""
    lo, hi = outline.min(axis=0) - MARGIN_MM, outline.max(axis=0) + MARGIN_MM
    size = hi - lo
    pts = " ".join(f"{x - lo[0]:.2f},{hi[1] - y:.2f}" for x, y in outline)            # SVG's y runs down
    centre = outline.mean(axis=0)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size[0]:.2f}mm" height="{size[1]:.2f}mm" '
            f'viewBox="0 0 {size[0]:.2f} {size[1]:.2f}">\n'
            f'<polygon points="{pts}" fill="none" stroke="black" stroke-width="0.3"/>\n'
            f'<text x="{centre[0] - lo[0]:.2f}" y="{hi[1] - centre[1]:.2f}" font-size="{TEXT_MM}" font-family="sans-serif" '
            f'text-anchor="middle" dominant-baseline="middle">{escape(label)}</text>\n'
            f'</svg>\n').encode("utf-8")
