"""Pressure-plate recordings in: the real recording (a subset of its frames) and a synthetic one
of a known foot written in the same layout."""
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers import run_cli as run

from insolegen.errors import InvalidInput
from insolegen.feet.footshape import outline_for_length
from insolegen.feet.kinds import is_pressure_file
from insolegen.feet.pressure import foot_from_pressure

REAL = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_raw_pressure_every16th.csv"


def test_the_real_recording_gives_a_foot_footprint():
    assert is_pressure_file(REAL)
    foot = foot_from_pressure(REAL, pitch_mm=5.7)
    assert foot.side == "left"                                   # with the plate seen from above (documented)
    assert 46 * 5.7 - 12 < foot.length_mm < 46 * 5.7 + 6          # 46 loaded rows, heel to toes
    assert 0.3 < foot.measures["ball_width"].value / foot.length_mm < 0.45
    assert any("sensor pitch" in w for w in foot.warnings)


def _write_recording(path, loaded: np.ndarray, frames: int = 3):
    rows, cols = np.nonzero(loaded)
    ids = rows * 64 + cols
    header = "Sensor-Nummer;" + ";".join(map(str, ids)) + "\n"
    zero = "x;" + ";".join("0" for _ in ids) + "\n"
    body = "".join(f"{t},5;" + ";".join("12,5" for _ in ids) + "\n" for t in range(frames))
    path.write_text(header + zero.replace("x", "Minimum") + zero.replace("x", "Maximum") + zero.replace("x", "20%-Durchschnitt") + body,
                    encoding="latin-1")


def test_a_synthetic_recording_of_a_known_foot(tmp_path):
    pitch, length = 5.0, 260.0
    foot = outline_for_length(length)                         # a right foot seen from above, y up
    foot = foot + [10.0 - foot[:, 0].min(), -10.0 - foot[:, 1].max()]
    rows, cols = np.mgrid[0:80, 0:64]                         # plate row r lies at y = -r * pitch
    loaded = shapely.contains_xy(shapely.Polygon(foot), (cols + 0.5) * pitch, -(rows + 0.5) * pitch)
    path = tmp_path / "plate.csv"
    _write_recording(path, loaded)
    foot = foot_from_pressure(path, pitch_mm=pitch)
    assert foot.side == "right"
    assert foot.length_mm == pytest.approx(length, abs=pitch)


def test_missing_pitch_and_bad_values_are_refused(tmp_path):
    with pytest.raises(InvalidInput, match="--pitch-mm"):
        foot_from_pressure(REAL, pitch_mm=None)
    with pytest.raises(InvalidInput, match="out of range"):
        foot_from_pressure(REAL, pitch_mm=0.1)
    bad = tmp_path / "bad.csv"
    text = REAL.read_text(encoding="latin-1").splitlines()
    cells = text[10].split(";")
    cells[5] = "abc"                                          # a sensor value that is not a number
    text[10] = ";".join(cells)
    bad.write_text("\n".join(text) + "\n", encoding="latin-1")
    with pytest.raises(InvalidInput, match=r"bad\.csv:\d+"):
        foot_from_pressure(bad, pitch_mm=5.7)
    r = run("design", REAL, "--out", tmp_path / "o")
    assert r.returncode == 1 and "give --pitch-mm" in r.stderr and not (tmp_path / "o").exists()


def test_the_scan_command_gives_the_pressure_footprints_indices():
    import json

    r = run("scan", REAL, "--pitch-mm", "5.7", "--json")
    assert r.returncode == 0, r.stderr
    (foot,) = json.loads(r.stdout)["feet"]
    ai = foot["indices"]["arch_index"]
    assert 0.0 < ai["value"] < 0.5 and ai["class"] in ("high arch", "normal", "flat")
    assert 0.0 <= foot["indices"]["staheli_index"]["value"] < 2.0
