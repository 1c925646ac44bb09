"""How a number from the record is written for a person: the one formatter the console, the PDF,
the HTML view and the pictures share, so that one value never reads two ways."""
from __future__ import annotations

import math


def fixed(value: float | None, places: int = 2, unit: str = "", sign: bool = False) -> str:
    """``value`` to ``places`` decimals, rounded once; never "-0.00" (a value that rounds to zero
    has no sign); "—" for a value that is not known. ``sign``: "+" before a positive value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:{'+' if sign else ''}.{places}f}"
    if float(text) == 0.0:
        text = f"{0.0:.{places}f}"
    return text + unit
