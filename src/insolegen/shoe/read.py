"""A shoe's sock-liner from a file: a tracing (CSV, JSON, SVG, DXF outline), or a photo or scan of
it on a marked sheet (the footprint image reader's scale), read by the foot readers into its own
canonical frame (heel at x = 0, the long axis along x, a left one mirrored)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.feet.kinds import foot_kind

LINER_KINDS = ("outline", "image")


@dataclass(frozen=True)
class Liner:
    outline: np.ndarray      # (n, 2) its own canonical frame, mm
    side: str
    side_how: str            # given (in the file) or detected (from its medial curve)
    file: str                # as given: what a refusal names


def read_liner(path: str | Path) -> Liner:
    """The sock-liner a file shows (InvalidInput naming the file when it is not one this reads)."""
    from insolegen.feet.read import read_foot

    path = Path(path)
    kind = foot_kind(path) if path.is_file() else None
    if kind is not None and kind not in LINER_KINDS:
        raise InvalidInput(f"{path}: a sock-liner is read from a tracing (.csv, .json, .svg, .dxf) or a photo on a marked "
                           f"sheet (.png, .jpg); not a {kind} file")
    foot = read_foot(path)
    return Liner(foot.outline, foot.side, foot.side_how, str(path))
