import json
from pathlib import Path

import numpy as np
import pytest

from insolegen.errors import InvalidInput
from insolegen.feet.foot import foot_from_points
from insolegen.feet.footshape import outline_for_length
from insolegen.feet.outline_files import read_outline
from insolegen.feet.read import read_foot

DATA = Path(__file__).parent / "data"
FOOT = outline_for_length(260.0)   # right foot, mm


def rotated(points, deg, shift=(0, 0)):
    t = np.radians(deg)
    r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return points @ r.T + shift


def test_real_left_scan_outline_needs_metres_and_is_found_left(tmp_path):
    path = DATA / "dupontgu_left_sole_outline.csv"
    with pytest.raises(InvalidInput, match=r"looks like m: give --units m"):
        read_outline(path)
    foot = read_foot(path, units="m")
    assert foot.side == "left" and foot.side_how == "detected" and foot.side_confidence > 0.6
    assert 255 < foot.length_mm < 280          # the scan is ~275 mm long; its sole outline a little less
    assert 0.33 < foot.measures["ball_width"].value / foot.length_mm < 0.43


@pytest.mark.parametrize("deg", [0, 37, 180, 250])
def test_any_placement_gives_the_same_canonical_foot(deg):
    ref = foot_from_points(FOOT)
    foot = foot_from_points(rotated(FOOT, deg, (120, -40)))
    assert foot.side == "right"
    assert foot.length_mm == pytest.approx(ref.length_mm, abs=0.05)
    for name in ("heel_center", "ball_medial", "ball_lateral", "mth1_head", "mth5_head", "met_pad_center"):
        assert foot.landmarks[name].x == pytest.approx(ref.landmarks[name].x, abs=0.3)
        assert foot.landmarks[name].y == pytest.approx(ref.landmarks[name].y, abs=0.3)


def test_mirrored_outline_is_detected_left():
    foot = foot_from_points(FOOT * [1, -1])
    assert foot.side == "left" and foot.side_confidence > 0.6


def test_symmetric_outline_needs_a_side():
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    ellipse = np.column_stack([130 * np.cos(t), 45 * np.sin(t)])
    ellipse[:, 1] *= 1.0 + 0.2 * np.exp(-(((ellipse[:, 0] - 60.0) / 25.0) ** 2))    # a ball on both sides, mirror-symmetric
    with pytest.raises(InvalidInput, match="--foot-side"):
        foot_from_points(ellipse)
    assert foot_from_points(ellipse, side="left").side == "left"


def test_an_outline_with_no_ball_is_not_a_foot_whatever_else_is_marked():
    """An oval shows no ball on either border: refused, also when a landmark other than a ball point
    is given or corrected (only a given ball point stands in for the border's reading)."""
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    oval = np.column_stack([130 * np.cos(t) + 130, 45 * np.sin(t)])
    for marks in ({}, {"corrections": {"heel_center": (40.0, 0.0)}}, {"given_landmarks": {"navicular": (110.0, 40.0)}}):
        with pytest.raises(InvalidInput, match="not a foot: the outline shows no ball"):
            foot_from_points(oval, side="right", **marks)


def test_csv_with_and_without_header(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    np.savetxt(a, FOOT, delimiter=",", header="x,y", comments="")
    np.savetxt(b, FOOT / 10, delimiter=";")
    assert read_foot(a).length_mm == pytest.approx(read_foot(b, units="cm").length_mm, abs=1e-6)


def test_csv_bad_row_names_file_and_line(tmp_path):
    p = tmp_path / "bad.csv"
    lines = [f"{x},{y}" for x, y in FOOT]
    lines[5] = "12.0,abc"
    p.write_text("x,y\n" + "\n".join(lines))
    with pytest.raises(InvalidInput, match=r"bad.csv:7: expected two numbers"):
        read_outline(p)


def test_json_with_units_landmarks_and_arch(tmp_path):
    p = tmp_path / "foot.json"
    pts = rotated(FOOT, 90) / 1000.0
    heel = rotated(np.array([[35.0, 0.0]]), 90)[0] / 1000.0
    p.write_text(json.dumps({"points": pts.tolist(), "units": "m", "side": "right",
                             "landmarks": {"heel_center": heel.tolist()},
                             "arch": {"height_mm": 21, "apex_mm": 112}}))
    foot = read_foot(p)
    assert foot.side_how == "given"
    assert foot.landmarks["heel_center"].how == "given"
    assert foot.landmarks["heel_center"].x == pytest.approx(35.0, abs=0.5)
    assert foot.arch.height_mm == 21 and foot.arch.apex_mm == 112


def test_json_unknown_key_is_named(tmp_path):
    p = tmp_path / "foot.json"
    p.write_text(json.dumps({"points": FOOT.tolist(), "unit": "mm"}))
    with pytest.raises(InvalidInput, match="unknown key.*unit"):
        read_outline(p)


def test_svg_honours_document_units_and_flips_y(tmp_path):
    p = tmp_path / "foot.svg"
    pts = FOOT / 10 * [1, -1] + [2, 15]         # cm, y down as SVG draws
    d = "M " + " L ".join(f"{x:.4f},{y:.4f}" for x, y in pts) + " Z"
    p.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="30cm" height="20cm" viewBox="0 0 30 20">'
                 f'<path d="{d}" fill="none" stroke="black"/></svg>')
    foot = read_foot(p)
    assert foot.length_mm == pytest.approx(260.0, abs=0.5)
    assert foot.side == "right"                  # the y flip keeps a right foot right


def test_dxf_honours_insunits(tmp_path):
    import ezdxf

    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 5   # cm
    doc.modelspace().add_lwpolyline((FOOT / 10).tolist(), close=True)
    p = tmp_path / "foot.dxf"
    doc.saveas(p)
    f = read_outline(p)
    assert f.units == "cm" and f.units_how == "file"
    assert read_foot(p).length_mm == pytest.approx(260.0, abs=0.5)


@pytest.mark.parametrize("case, words", [("few", "at least 20"), ("cross", "crosses itself"), ("spike", "spike at")])
def test_invalid_outlines_are_refused(case, words):
    pts = FOOT.copy()
    if case == "few":
        pts = pts[::60]
    elif case == "cross":
        pts[[100, 400]] = pts[[400, 100]]
    else:
        i, centre = 300, FOOT.mean(axis=0)
        pts[i] = pts[i] + 60 * (pts[i] - centre) / np.linalg.norm(pts[i] - centre)
    with pytest.raises(InvalidInput, match=words):
        foot_from_points(pts)


def test_implausible_size_is_refused():
    from insolegen.feet.foot import to_mm

    with pytest.raises(InvalidInput, match="implausible"):
        to_mm(FOOT * 3, "mm", "test")
