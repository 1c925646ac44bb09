"""Rebuild examples/batch/, the small folder of case folders that `insolegen batch` ships with.

Run: .venv/bin/python examples/make_batch_example.py
Cases: two feet drawn from ANSUR II measurements (outline files), one with its own
prescription; a real scan of a left foot (dupontgu/my-feet, MIT); the FIND template foot (MIT),
whose side is detected.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_cases import ansur_rows, write_outline_case  # noqa: E402

DEST = ROOT / "examples" / "batch"


def main() -> None:
    shutil.rmtree(DEST, ignore_errors=True)
    rows = ansur_rows()
    write_outline_case(DEST / "ansur_m_0001", rows[0], "right", 'profile = "pronation-mild"\n\n[arch]\nheight_mm = 18\n')
    write_outline_case(DEST / "ansur_f_4083", rows[4082], None, None)
    (DEST / "dupontgu_scan").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl", DEST / "dupontgu_scan" / "left.stl")
    (DEST / "dupontgu_scan" / "prescription.toml").write_text('profile = "neutral"\n\n[heel_cup]\ndepth_mm = 15\n')
    (DEST / "find_template").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "scans" / "FIND_template_foot.obj", DEST / "find_template" / "foot.obj")
    print(f"wrote {DEST}")


if __name__ == "__main__":
    main()
