"""G-code read back: the extrusion moves of a feature type, as segments with their plastic volume."""
from __future__ import annotations

import re

import numpy as np

FILAMENT_MM2 = np.pi * (1.75 / 2) ** 2


def extrusions(text: str, kinds=("Internal infill",)) -> np.ndarray:
    """(n, 6): x0, y0, x1, y1, z, volume (mm³) of each extruding move of the given ;TYPE: kinds
    (absolute or relative E, G92 resets)."""
    x = y = z = e = 0.0
    kind, relative, rows = None, False, []
    for line in text.splitlines():
        if line.startswith(";TYPE:"):
            kind = line[6:].strip()
            continue
        if line.startswith("M83"):
            relative = True
        elif line.startswith("M82"):
            relative = False
        elif line.startswith("G92"):
            m = re.search(r"E([-\d.]+)", line)
            if m:
                e = float(m.group(1))
        if not line.startswith(("G1 ", "G0 ")):
            continue
        words = {w[0]: float(w[1:]) for w in line.split(";")[0].split()[1:] if w[0] in "XYZE"}
        nx, ny, nz = words.get("X", x), words.get("Y", y), words.get("Z", z)
        de = 0.0
        if "E" in words:
            de = words["E"] if relative else words["E"] - e
            e = e + words["E"] if relative else words["E"]
        if de > 0 and kind in kinds and (nx != x or ny != y):
            rows.append((x, y, nx, ny, nz, de * FILAMENT_MM2))
        x, y, z = nx, ny, nz
    return np.array(rows).reshape(-1, 6)
