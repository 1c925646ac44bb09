"""Real feet the batch benchmark found hard: ANSUR II soldiers whose heel is wide for the
forefoot, or whose ball line is steep. Each used to fail its own verification (the arch left
unlifted behind a deep heel cup's wall, the heel end read backwards, the met pad looked for
behind its centre). The meshes are measured by ray casting against the prescription."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from oracle import grid, load_stl, top_heights

from insolegen.case import CaseRequest, design_case
from insolegen.feet.footshape import outline_for_measures
from insolegen.measure import measure_mesh

DATA = Path(__file__).parent / "data"
# (row of ansur2_feet.csv, profile, prescribed arch, heel cup and met pad heights)
HARD = [(3282, "flat-foot", 18.0, 18.0, 0.0), (4674, "flat-foot", 18.0, 18.0, 0.0),
        (126, "metatarsalgia", 16.0, 12.0, 5.0), (3246, "metatarsalgia", 16.0, 12.0, 5.0)]


def _foot_file(tmp_path: Path, row: int) -> Path:
    with open(DATA / "ansur2_feet.csv", newline="") as fh:
        r = list(csv.DictReader(fh))[row]
    pts = outline_for_measures(float(r["footlength"]), float(r["footbreadthhorizontal"]), float(r["heelbreadth"]))
    path = tmp_path / f"ansur_{row}.csv"
    path.write_text("x,y\n" + "\n".join(f"{x:.2f},{y:.2f}" for x, y in pts) + "\n")
    return path


@pytest.mark.parametrize("row,profile,arch,cup,pad", HARD)
def test_hard_ansur_feet_get_the_prescribed_device(tmp_path, row, profile, arch, cup, pad):
    result = design_case(CaseRequest(foot_file=_foot_file(tmp_path, row), foot_side="right", profile=profile))
    mesh = load_stl(result.files[f"ansur_{row}_right.stl"])
    (x0, _, _), (x1, y1, _) = mesh.bounds
    length = x1 - x0
    apex_x = result.record["derived"]["arch"]["apex_x"]
    # the arch itself stands at its height around its apex (not only a cup wall behind it)
    pts = grid((apex_x - 15.0, apex_x + 15.0), (0.0, y1), 1.0)
    assert np.nanmax(top_heights(mesh, pts)) == pytest.approx(arch, abs=0.5)
    # measured from the mesh alone, the heel end is found at the heel (x = 0) and the cup is there
    found = measure_mesh(mesh.vertices, mesh.faces, side="right").as_dict()
    assert found["frame"]["origin_mm"][0] < 0.1 * length
    assert found["heel_cup_depth_mm"] == pytest.approx(cup, abs=1.0)
    if pad:
        # the pad's top over the 3 mm forefoot plate, between the metatarsal heads
        lm = result.record["foot"]["landmarks"]
        centre = 0.5 * np.array([lm["mth2_head"]["x_mm"] + lm["mth3_head"]["x_mm"],
                                 lm["mth2_head"]["y_mm"] + lm["mth3_head"]["y_mm"]])
        around = grid((centre[0] - 25.0, centre[0] + 5.0), (centre[1] - 10.0, centre[1] + 10.0), 1.0)
        assert np.nanmax(top_heights(mesh, around)) - 3.0 == pytest.approx(pad, abs=0.5)
