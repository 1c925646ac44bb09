"""Shoe sizes to foot length (mm).

Conversions (ISO/TS 19407:2015 "Footwear - Sizing - Conversion of sizing systems" and the
usual last-length definitions, as summarised in https://en.wikipedia.org/wiki/Shoe_size):

* Mondopoint (ISO 9407): the foot length in mm, taken as is (``MP270``).
* EU (Paris point, 2/3 cm of LAST length): last = 6.667 mm x size; foot = last - 15 mm
  (the 1.5 cm toe allowance of the Paris-point system). EU42 -> 265 mm.
* UK (barleycorn, 1/3 inch of last length): last (in) = (size + 25) / 3; foot = last - 2/3 in
  (two sizes of allowance). UK8 -> 262.5 mm.
* US men: one size above UK (US9M = UK8). US women: 1.5 above US men (US10W = US8.5M).

Sizes outside adult-ish lengths (150-350 mm of foot) are refused.
"""
from __future__ import annotations

import re

from insolegen.errors import InvalidInput

INCH_MM = 25.4
PARIS_POINT_MM = 20.0 / 3.0
EU_ALLOWANCE_MM = 15.0
UK_ALLOWANCE_IN = 2.0 / 3.0
MIN_FOOT_MM, MAX_FOOT_MM = 150.0, 350.0

_SIZE_RE = re.compile(r"^\s*(EU|UK|US|MP)\s*(\d+(?:\.\d+)?)\s*([MW])?\s*$", re.IGNORECASE)


def foot_length_from_size(size: str) -> float:
    """Foot length in mm for a size such as ``EU42``, ``UK8``, ``US9M``, ``US10W``, ``MP270``."""
    match = _SIZE_RE.match(size)
    if not match:
        raise InvalidInput(
            f"size {size!r} is not understood: use EU42, UK8, US9M, US10W or MP270 (Mondopoint, mm)"
        )
    system, number, gender = match.group(1).upper(), float(match.group(2)), (match.group(3) or "").upper()
    if system == "US" and not gender:
        raise InvalidInput(f"size {size!r}: US sizes need M or W (for example US9M or US10W)")
    if system != "US" and gender:
        raise InvalidInput(f"size {size!r}: only US sizes take M or W")
    if system == "MP":
        length = number
    elif system == "EU":
        length = number * PARIS_POINT_MM - EU_ALLOWANCE_MM
    else:
        uk = number if system == "UK" else number - 1.0 if gender == "M" else number - 2.5
        length = ((uk + 25.0) / 3.0 - UK_ALLOWANCE_IN) * INCH_MM
    if not MIN_FOOT_MM <= length <= MAX_FOOT_MM:
        raise InvalidInput(
            f"size {size!r} gives a foot length of {length:.0f} mm, outside {MIN_FOOT_MM:.0f} … {MAX_FOOT_MM:.0f} mm"
        )
    return round(length, 3)
