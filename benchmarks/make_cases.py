"""Case folders for `insolegen batch` made from real foot measurements: the ANSUR II foot length,
horizontal foot breadth and heel breadth of one soldier each (US Army, public release), drawn
as insolegen's parametric outline and written as an outline file (x, y in mm)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from insolegen.feet.footshape import outline_for_measures

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "measurements"
COPY = ROOT / "tests" / "data" / "ansur2_feet.csv"     # the same columns, copied with provenance


def ansur_rows() -> list[dict]:
    """(sex, foot length, ball breadth, heel breadth) of every soldier, from ../shared when it is
    there, else from the tests' copy."""
    if SHARED.is_dir():
        rows = []
        for sex, fn in (("M", "ANSUR_II_MALE_Public.csv"), ("F", "ANSUR_II_FEMALE_Public.csv")):
            with open(SHARED / fn, newline="", encoding="utf-8", errors="replace") as fh:
                for r in csv.DictReader(fh):
                    rows.append({"sex": sex, "length": float(r["footlength"]), "ball": float(r["footbreadthhorizontal"]),
                                 "heel": float(r["heelbreadth"])})
        return rows
    with open(COPY, newline="") as fh:
        return [{"sex": r["sex"], "length": float(r["footlength"]), "ball": float(r["footbreadthhorizontal"]),
                 "heel": float(r["heelbreadth"])} for r in csv.DictReader(fh)]


def write_outline_case(folder: Path, row: dict, side: str | None, prescription: str | None) -> None:
    """FOLDER/right.csv (or left.csv, or foot.csv when ``side`` is None: detected), and
    prescription.toml when given."""
    folder.mkdir(parents=True, exist_ok=True)
    pts = outline_for_measures(row["length"], row["ball"], row["heel"])
    if side == "left":
        pts = pts * [1.0, -1.0]
    lines = ["x_mm,y_mm"] + [f"{x:.2f},{y:.2f}" for x, y in np.asarray(pts)]
    (folder / f"{side or 'foot'}.csv").write_text("\n".join(lines) + "\n")
    if prescription:
        (folder / "prescription.toml").write_text(prescription)
