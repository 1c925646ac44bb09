"""Landmarks as estimates: the population priors recomputed from ANSUR II, the precision-weighted
fusion (and its outlier rule), the population band every foot is checked against, a flat border
read as weak evidence, every real foot in shared/data inside the band, and both feet of a person."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from insolegen import foot_from_size
from insolegen.errors import InvalidInput
from insolegen.feet.estimate import Cue, fuse
from insolegen.feet.foot import SHAFT_ANGLE_DEG, correct_landmarks, foot_from_points, population_values
from insolegen.feet.pair import compare_feet, inform_each_other
from insolegen.feet.population import beyond_population, length_band_mm, share_band
from insolegen.feet.priors import BAND_SD, HEAD_INSET_OF_BALL, HEEL_LOAD_MEDIAL_OF_BREADTH, POPULATION, PRIORS
from insolegen.geometry.polygon import border_profiles

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "data"


def _ansur():
    with open(DATA / "ansur2_feet.csv", encoding="latin-1") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("footlength", "balloffootlength", "footbreadthhorizontal",
                                                                 "heelbreadth")}


def test_the_priors_and_the_band_are_ansur_iis_own_numbers():
    """A planted change to the ball-of-foot prior or to any of the band's means or SDs fails here."""
    a = _ansur()
    length = a["footlength"]
    assert len(length) == 6068
    ball = a["balloffootlength"] / length
    assert PRIORS["ball_medial"].share == pytest.approx(ball.mean(), abs=0.001)
    assert PRIORS["ball_medial"].sd_share == pytest.approx(ball.std(), abs=0.0005)
    for key, values in (("length_mm", length), ("ball_share", ball), ("breadth_share", a["footbreadthhorizontal"] / length),
                        ("heel_share", a["heelbreadth"] / length)):
        mean, sd, smallest, largest = POPULATION[key]
        assert mean == pytest.approx(values.mean(), abs=0.5 if key == "length_mm" else 0.0005), key
        assert sd == pytest.approx(values.std(), rel=0.03), key
        assert (smallest, largest) == pytest.approx((values.min(), values.max()), abs=1e-4), key
        # the band holds every one of ANSUR's 6,068 adults
        lo, hi = length_band_mm() if key == "length_mm" else share_band(key)
        assert lo <= values.min() and values.max() <= hi, key


def test_the_band_refuses_beyond_three_and_a_half_sd_and_every_adult_and_no_nearer():
    mean, sd, smallest, largest = POPULATION["breadth_share"]
    base = {"length_mm": 263.0, "ball_share": 0.74, "heel_share": 0.27}
    assert not beyond_population({**base, "breadth_share": mean + 3.4 * sd})
    assert not beyond_population({**base, "breadth_share": largest + 0.4 * sd})     # beyond 3.5 SD, but a real adult's
    assert beyond_population({**base, "breadth_share": largest + 0.6 * sd})
    assert beyond_population({**base, "breadth_share": min(mean - BAND_SD * sd, smallest - 0.5 * sd) - 0.001})
    assert not beyond_population({**base, "breadth_share": min(mean - BAND_SD * sd, smallest - 0.5 * sd) + 0.001})
    assert not beyond_population({**base, "breadth_share": mean})
    assert any("354.5 mm" in m for m in beyond_population({**base, "breadth_share": mean, "length_mm": 354.5}))
    assert not beyond_population({**base, "breadth_share": mean, "length_mm": 150.0})      # a child's foot


def test_fusion_weighs_by_precision_and_down_weights_an_outlier_only_beyond_three_sd():
    prior = Cue("proportion", 100.0, 3.0)
    est = fuse(prior, [Cue("outline", 106.0, 3.0)], "t")
    assert est.value == pytest.approx(103.0) and est.sd == pytest.approx(3.0 / np.sqrt(2.0))
    assert [w for _, w in est.weighted] == pytest.approx([0.5, 0.5])
    assert not est.notes
    # 4x the precision: 4x the weight
    est = fuse(prior, [Cue("relief", 110.0, 1.5)], "t")
    assert [w for _, w in est.weighted] == pytest.approx([0.2, 0.8])
    # just inside 3 combined SDs: not touched; well beyond: nearly ignored and named
    near = fuse(prior, [Cue("outline", 100.0 + 2.9 * np.hypot(3.0, 3.0), 3.0)], "t")
    assert near.weighted[1][1] == pytest.approx(0.5) and not near.notes
    far = fuse(prior, [Cue("outline", 150.0, 3.0)], "ball_medial x", 250.0)
    assert far.weighted[1][1] < 0.01 and "down-weighted" in far.notes[0] and "0.600 L" in far.notes[0]
    # a person's word is final, however far from the population
    said = fuse(prior, [Cue("outline", 104.0, 2.0), Cue("clinician", 150.0, 1.0)], "t")
    assert said.value == pytest.approx(150.0) and said.weighted[2][1] == 1.0 and "kept" in said.notes[0]


def _flattened(outline: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The outline with its medial border flat (at its highest) between x = lo and hi."""
    pts = outline.copy()
    band = (pts[:, 0] >= lo) & (pts[:, 0] <= hi) & (pts[:, 1] > 0)
    pts[band, 1] = pts[band, 1].max()
    return pts


def test_a_flat_medial_border_is_weak_evidence_and_the_prior_holds_mth1():
    """A medial border flat for 45 mm around the ball, its flat stretch ending well ahead of the ball: the
    outline's reading is wide (weak), so MTH1 stays within 5 mm of where the prior alone puts it."""
    foot = foot_from_size("EU42")
    length = foot.length_mm
    for centre_share in (0.74, 0.78):                    # the flat stretch around the ball, and ahead of it
        flat = _flattened(foot.outline, centre_share * length - 22.5, centre_share * length + 22.5)
        read = foot_from_points(flat, side="right")
        ball = read.landmarks["ball_medial"]
        outline = next(c for c in ball.cues if c["what"] == "outline" and c["axis"] == "x")
        assert outline["sd_mm"] > 10.0 and outline["weight"] < 0.2, outline      # read, and weak
        prior_x = PRIORS["ball_medial"].share * read.length_mm
        assert abs(ball.x - prior_x) < 5.0, (centre_share, ball.x, prior_x)
        # the 1st head's joint centre lies across its shaft from the ball point, a little distal of it
        inset = HEAD_INSET_OF_BALL * read.measures["ball_width"].value * np.sin(np.radians(SHAFT_ANGLE_DEG["mth1_head"]))
        assert abs(read.landmarks["mth1_head"].x - (prior_x + inset)) < 5.0


def test_every_landmark_says_its_sd_and_its_cues_with_their_weights():
    foot = foot_from_size("EU42")
    for name, lm in foot.landmarks.items():
        d = lm.as_dict()
        assert d["sd_mm"] > 0 and d["sd_along_mm"] > 0 and d["sd_across_mm"] > 0, name
        assert d["cues"], name
        for axis in ("x", "y"):
            weights = [c["weight"] for c in d["cues"] if c.get("axis") == axis]
            if weights:
                assert sum(weights) == pytest.approx(1.0, abs=1e-3), (name, axis)


def _real_feet():
    from insolegen.feet.image import feet_from_image
    from insolegen.feet.read import read_foot
    from insolegen.feet.scan3d import read_scan

    scans = SHARED / "scans" if (SHARED / "scans").is_dir() else DATA / "scans"
    feet = [read_scan(p).foot for p in sorted(scans.glob("*.*")) if p.suffix in (".stl", ".obj", ".ply")]
    foam = SHARED / "footprints" / "greenai_foamprint_56.jpg"
    feet += feet_from_image(foam if foam.is_file() else DATA / "footprints" / "greenai_foamprint_56_half.jpg")[1]
    plate = SHARED / "footprints" / "greenai_raw_pressure.csv"
    feet.append(read_foot(plate if plate.is_file() else DATA / "footprints" / "greenai_raw_pressure_every16th.csv", pitch_mm=5.6))
    return feet


@pytest.fixture(scope="module")
def real_feet():
    return _real_feet()


def _heel_reading(foot) -> tuple[float, float] | None:
    """The heel's load centre a person or a relief shows, not the fused estimate: (share of the
    length, share of the heel's breadth medial of its midline)."""
    cues = foot.landmarks["heel_center"].cues
    raw = {axis: {c["what"]: c["value_mm"] for c in cues if c.get("axis") == axis} for axis in ("x", "y")}
    for what in ("clinician pin", "relief"):
        if what in raw["x"] and what in raw["y"]:
            x, y = raw["x"][what], raw["y"][what]
            medial, lateral = border_profiles(foot.outline, np.array([x]))
            return x / foot.length_mm, (y - 0.5 * (medial[0] + lateral[0])) / (medial[0] - lateral[0])
    return None


@pytest.mark.slow
def test_the_heel_prior_is_the_mean_of_the_real_heels_that_show_their_load(real_feet):
    """No table gives the heel's load centre; the prior is the mean of every real foot in the data
    that shows it (pins or a scan's relief). A planted change to its share or its medial offset
    fails here. The pressure recording is left out: its heel moves 0.107-0.139 L with which frames
    are kept (feet.priors)."""
    shown = [f for f in real_feet if not str(f.source).startswith("pressure")]
    readings = np.array([r for r in map(_heel_reading, shown) if r is not None])
    assert len(readings) >= 4
    assert PRIORS["heel_center"].share == pytest.approx(readings[:, 0].mean(), abs=0.002)
    assert PRIORS["heel_center"].sd_share >= readings[:, 0].std()
    assert HEEL_LOAD_MEDIAL_OF_BREADTH == pytest.approx(readings[:, 1].mean(), abs=0.003)


@pytest.mark.slow
def test_every_real_foot_reads_inside_the_population_band(real_feet):
    feet = real_feet
    assert len(feet) >= 6
    for foot in feet:
        assert not foot.implausible, (foot.source, foot.implausible)
        values = population_values(foot.outline, foot.landmarks, foot.measures)
        assert not beyond_population(values), (foot.source, values)


def test_an_out_of_band_foot_is_refused_with_its_numbers_unless_accepted(tmp_path):
    long_foot = foot_from_size("EU42").outline * 1.3           # a 345 mm foot: a tracing scaled wrong
    path = tmp_path / "long.csv"
    np.savetxt(path, long_foot, delimiter=",")
    r = run_cli("design", path, "--out", tmp_path / "a")
    assert r.returncode == 1 and "implausible foot" in r.stderr and "foot length 34" in r.stderr and "--accept-foot" in r.stderr
    assert not (tmp_path / "a").exists()
    r = run_cli("design", path, "--out", tmp_path / "b", "--accept-foot", "-q")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "b" / "long.json").read_text())
    assert record["foot"]["population"]["z"]["length_mm"] > 3.5


def test_a_clinicians_correction_stands_where_it_was_put_and_what_hangs_on_it_follows():
    foot = foot_from_size("EU42")
    mth1 = foot.landmarks["mth1_head"].xy + [9.0, -2.0]
    fixed = correct_landmarks(foot, {"mth1_head": tuple(mth1)})         # a size: canonical mm
    lm = fixed.landmarks["mth1_head"]
    assert lm.how == "clinician" and np.allclose(lm.xy, mth1, atol=1e-6)
    # the heads' row is drawn from the corrected 1st head: MTH2 moves with it, and the met pad with MTH2-3
    assert fixed.landmarks["mth2_head"].x - foot.landmarks["mth2_head"].x > 3.0
    assert fixed.landmarks["met_pad_center"].x - foot.landmarks["met_pad_center"].x > 2.0
    assert any("corrected by the clinician: mth1_head" in n for n in fixed.notes)
    with pytest.raises(InvalidInput, match="unknown landmark 'mth6_head'"):
        correct_landmarks(foot, {"mth6_head": (1.0, 2.0)})
    with pytest.raises(InvalidInput, match="give x,y"):
        correct_landmarks(foot, {"mth1_head": (1.0, 2.0, 3.0)})


def test_both_feet_are_compared_and_a_difference_over_8_mm_is_flagged():
    right = foot_from_size("EU42")
    left = foot_from_size("EU42", side="left")
    same = compare_feet(left, right)
    assert not same["flagged"] and all(abs(r["difference_mm"]) < 0.5 for r in same["landmarks"].values())
    moved = correct_landmarks(left, {"mth1_head": tuple(left.to_input(left.landmarks["mth1_head"].xy[None])[0] + [-10.0, 0.0])})
    flagged = compare_feet(moved, right)["flagged"]
    assert any(f.startswith("mth1_head differs by 10.0 mm") for f in flagged), flagged


def test_one_feet_evidence_informs_the_other_where_its_own_is_weak():
    """A foot whose medial border is flat (its ball point leans on the prior) takes the other foot's
    sharp reading as a cue; the sharp foot is not moved by the flat one (it has little evidence to lend)."""
    right = foot_from_size("EU42")
    length = right.length_mm
    flat_left = foot_from_points(_flattened(right.outline, 0.72 * length - 25, 0.72 * length + 25) * [1, -1], side="left")
    left, right_after = inform_each_other(flat_left, right)
    cues = [c for c in left.landmarks["ball_medial"].cues if c["what"] == "other foot"]
    assert cues and cues[0]["weight"] > 0.1, left.landmarks["ball_medial"].cues
    assert right_after.landmarks["ball_medial"].x == pytest.approx(right.landmarks["ball_medial"].x, abs=0.5)


def test_moving_the_heel_centre_moves_no_part_of_the_device():
    """The rearfoot is laid out from the heel's outline (its seat and width), not from the heel's load
    centre: a corrected heel centre leaves the device's mesh as it was, byte for byte."""
    import insolegen

    foot = foot_from_size("EU42")
    moved = correct_landmarks(foot, {"heel_center": tuple(foot.landmarks["heel_center"].xy + [8.0, 4.0])})
    assert moved.landmarks["heel_center"].how == "clinician"
    rx = ["heel_cup.depth_mm=18", "rearfoot_post.angle_deg=5", "medial_skive.depth_mm=3", "heel_lift.height_mm=4",
          "accommodations.heel_spur_pocket_mm=3"]
    a, b = (insolegen.design(f, insolegen.load_prescription("neutral", rx), name="h", formats="stl") for f in (foot, moved))
    assert a.files["h_right.stl"] == b.files["h_right.stl"]
