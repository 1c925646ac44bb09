import csv
from pathlib import Path

import numpy as np
import pytest

from insolegen.errors import InvalidInput
from insolegen.feet.foot import heel_pad_centre
from insolegen.feet.footshape import WIDTH_CLASSES, foot_from_size, width_classes_from_ansur
from insolegen.feet.sizes import foot_length_from_size

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("size, length", [
    ("EU42", 265.0), ("eu 35", 218.33), ("UK8", 262.47), ("US9M", 262.47), ("US10W", 258.23), ("MP270", 270.0),
])
def test_size_conversions(size, length):
    assert foot_length_from_size(size) == pytest.approx(length, abs=0.05)


@pytest.mark.parametrize("bad, words", [("EU", "not understood"), ("US9", "M or W"), ("EU9", "outside"), ("UK8W", "only US")])
def test_bad_sizes_are_refused_with_a_reason(bad, words):
    with pytest.raises(InvalidInput, match=words):
        foot_length_from_size(bad)


def test_width_classes_are_the_ansur_numbers():
    rows = list(csv.DictReader(open(DATA / "ansur2_feet.csv")))
    assert len(rows) == 4082 + 1986
    col = lambda name: np.array([float(r[name]) for r in rows])  # noqa: E731
    assert width_classes_from_ansur(col("footlength"), col("footbreadthhorizontal"), col("heelbreadth")) == WIDTH_CLASSES


@pytest.mark.parametrize("width", ["narrow", "medium", "wide"])
@pytest.mark.parametrize("size", ["EU35", "EU42", "EU48", "US10W", "MP300"])
def test_parametric_foot_has_the_size_length_and_ansur_proportions(size, width):
    foot = foot_from_size(size, width)
    length = foot_length_from_size(size)
    assert foot.length_mm == pytest.approx(length, abs=0.01)
    ball_ratio, _ = WIDTH_CLASSES[width]
    # the widest forefoot chord across the foot axis
    assert foot.measures["ball_width"].value / length == pytest.approx(ball_ratio, abs=0.01)
    ball = foot.landmarks["ball_medial"]
    assert {c["what"] for c in ball.cues if c["axis"] == "x"} == {"proportion", "outline"}   # the border is read, and fused
    assert 0.70 < ball.x / length < 0.78      # ANSUR ball-of-foot length / foot length: median 0.74
    assert foot.side == "right" and foot.side_confidence > 0.6
    assert foot.outline[:, 0].min() == pytest.approx(0.0, abs=1e-9)
    assert heel_pad_centre(foot.outline)[1] == pytest.approx(0.0, abs=1e-3)     # the axis runs through the heel seat


def test_left_parametric_foot_is_the_mirror_in_canonical_frame():
    right, left = foot_from_size("EU40", side="right"), foot_from_size("EU40", side="left")
    assert left.side == "left"
    assert np.allclose(np.sort(right.outline, axis=0), np.sort(left.outline, axis=0), atol=1e-6)
