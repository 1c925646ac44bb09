"""Top covers, read from the files by the tests' own means: the device's top stands the cover's
thickness below the same prescription made without a cover wherever the cover lies, and as it was
beyond a shorter cover's end; device plus printed cover stands where the prescription says (rays
cast down on both bodies of the 3MF); the cutting templates (DXF read back by ezdxf, SVG at 1:1)
follow the device's top outline; PrusaSlicer slices the device with its cover; what cannot be
made is refused."""
from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile

import numpy as np
import pytest
import shapely
import trimesh
from helpers import run_cli
from oracle import grid, load_stl, top_heights

RX = ("--profile", "pronation-moderate", "--set", "heel_cup.depth_mm=14")


def _design(folder, *sets, side="right"):
    r = run_cli("design", *RX, *[a for s in sets for a in ("--set", s)], "--side", side, "--out", folder, "-q")
    assert r.returncode == 0, r.stderr
    return json.loads((folder / "EU42_medium.json").read_text())


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    root = tmp_path_factory.mktemp("cover")
    bare = _design(root / "bare")
    full = _design(root / "full", "cover.thickness_mm=1.6", "cover.material=tpu", "cover.body=3mf")
    sulcus = _design(root / "sulcus", "cover.thickness_mm=1.5", "cover.length=sulcus", side="both")
    return root, bare, full, sulcus


def _inside(record, clear: float = 4.0) -> np.ndarray:
    outline = shapely.Polygon(record["derived"]["device_outline_mm"]).buffer(-clear)
    xy = grid((0.0, 300.0), (-70.0, 70.0), 2.0)
    return xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]


def _bodies(path) -> list[trimesh.Trimesh]:
    """The 3MF's right object as its two volumes, read from the package (its mesh, and PrusaSlicer's
    config for which triangles are which): the device, then its printed cover."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as package:
        model = ElementTree.fromstring(package.read("3D/3dmodel.model"))
        config = ElementTree.fromstring(package.read("Metadata/Slic3r_PE_model.config"))
    ns = {"m": "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"}
    obj = next(o for o in model.iterfind(".//m:object", ns) if o.get("name").endswith("_right"))
    vertices = np.array([[float(v.get(k)) for k in "xyz"] for v in obj.iterfind(".//m:vertex", ns)])
    faces = np.array([[int(t.get(k)) for k in ("v1", "v2", "v3")] for t in obj.iterfind(".//m:triangle", ns)])
    volumes = next(o for o in config.iter("object") if any(m.get("value", "").endswith("_right") for m in o.findall("metadata")))
    return [trimesh.Trimesh(vertices, faces[int(v.get("firstid")):int(v.get("lastid")) + 1], process=False)
            for v in volumes.iter("volume")]


def test_the_device_stands_the_covers_thickness_lower_where_it_lies(made):
    root, bare, full, sulcus = made
    plain = load_stl((root / "bare" / "EU42_medium_right.stl").read_bytes())
    xy = _inside(bare)
    under_full = top_heights(plain, xy) - top_heights(load_stl((root / "full" / "EU42_medium_right.stl").read_bytes()), xy)
    assert np.nanmedian(under_full) == pytest.approx(1.6, abs=0.05) and np.nanpercentile(np.abs(under_full - 1.6), 98) < 0.15
    # a sulcus cover: the toes beyond its end are as they were; behind its skived end, 1.5 mm lower
    ends = sulcus["derived"]["features"]["top_cover"]["ends_behind_ball_mm"]
    assert ends < 0                                   # the sulcus lies beyond the ball line
    covered = top_heights(plain, xy) - top_heights(load_stl((root / "sulcus" / "EU42_medium_right.stl").read_bytes()), xy)
    x = xy[:, 0]
    toe, heel = x > np.nanmax(x) - 15.0, x < 0.5 * np.nanmax(x)
    assert np.nanmax(np.abs(covered[toe])) < 0.05 and np.nanmedian(covered[heel]) == pytest.approx(1.5, abs=0.05)
    checks = {c["quantity"]: c for c in full["prescribed_vs_measured"]["checks"]}
    assert checks["cover_recess_min_mm"]["ok"] and checks["cover_recess_max_mm"]["ok"] and all(c["ok"] for c in checks.values())


def test_device_plus_its_printed_cover_stands_as_prescribed(made):
    root, bare, full, _ = made
    device, cover = _bodies(root / "full" / "EU42_medium.3mf")
    plain = load_stl((root / "bare" / "EU42_medium_right.stl").read_bytes())
    xy = _inside(bare)
    # the 3MF places the pair on the bed: bring the bodies back to the STL's place by the device's own move
    stl = load_stl((root / "full" / "EU42_medium_right.stl").read_bytes())
    shift = stl.bounds[0] - device.bounds[0]
    together = trimesh.util.concatenate([device, cover])
    together.apply_translation(shift)
    stand = top_heights(together, xy) - top_heights(plain, xy)
    assert np.nanpercentile(np.abs(stand), 98) < 0.15, np.nanpercentile(np.abs(stand), [50, 98, 100])
    area = shapely.Polygon(full["derived"]["device_outline_mm"]).area
    assert abs(cover.volume) == pytest.approx(1.6 * area, rel=0.08)       # 1.6 mm over the whole top (its skive-free full length)
    # `measure` reads the 3MF's device with its cover as the prescription says
    r = run_cli("measure", root / "full" / "EU42_medium.3mf", "--json")
    doc = json.loads(r.stdout)
    right = next((i for i in doc["insoles"] if i["name"].endswith("_right")), None) if "insoles" in doc else doc
    assert right["arch_apex_height_mm"] == pytest.approx(bare["prescribed_vs_measured"]["measurement"]["arch_apex_height_mm"], abs=0.3)
    # and PrusaSlicer slices it, the cover a part of the device's object
    gcode = root / "full.gcode"
    r = subprocess.run(["prusa-slicer", "--export-gcode", "--dont-arrange", "--skirts", "0", "--bed-shape", "0x0,300x0,300x300,0x300",
                        "--output", str(gcode), str(root / "full" / "EU42_medium.3mf")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and gcode.stat().st_size > 100_000, r.stderr[-2000:]
    config = zipfile.ZipFile(root / "full" / "EU42_medium.3mf").read("Metadata/Slic3r_PE_model.config").decode()
    assert config.count('value="ModelPart"') == 2 and "EU42_medium_right_cover" in config      # the device and its cover


def test_the_templates_follow_the_devices_top_outline_at_full_scale(made):
    import ezdxf

    root, _, full, _ = made
    doc = ezdxf.read(io.StringIO((root / "full" / "EU42_medium_right_cover.dxf").read_text()))
    assert doc.units == ezdxf.units.MM
    polyline, = doc.modelspace().query("LWPOLYLINE")
    template = np.array([p[:2] for p in polyline.get_points()])
    rim = np.array(full["derived"]["device_outline_mm"])
    apart = shapely.hausdorff_distance(shapely.Polygon(template).exterior, shapely.Polygon(rim).exterior, densify=0.1)
    assert apart < 0.5
    text, = doc.modelspace().query("TEXT")
    assert "EU42_medium R" in text.dxf.text and "1.6 mm tpu" in text.dxf.text
    svg = (root / "full" / "EU42_medium_right_cover.svg").read_text()
    width, height = (float(v) for v in re.search(r'width="([\d.]+)mm" height="([\d.]+)mm"', svg).groups())
    view = [float(v) for v in re.search(r'viewBox="([\d. ]+)"', svg).group(1).split()]
    assert view[2:] == pytest.approx([width, height])          # one user unit is one millimetre
    points = np.array([[float(v) for v in p.split(",")] for p in re.search(r'points="([^"]+)"', svg).group(1).split()])
    assert np.ptp(points, axis=0) == pytest.approx(np.ptp(template, axis=0), abs=0.05)
    assert "EU42_medium R: top cover" in svg
    # a pair's left template is the right one's mirror image, and a sulcus cover's ends short of the toes
    left, right = (np.array([p[:2] for p in ezdxf.read(io.StringIO((root / "sulcus" / f"EU42_medium_{side}_cover.dxf").read_text()))
                             .modelspace().query("LWPOLYLINE")[0].get_points()]) for side in ("left", "right"))
    assert shapely.Polygon(left).equals_exact(shapely.Polygon(right * [1.0, -1.0]), 0.01)
    assert np.ptp(right[:, 0]) < np.ptp(template[:, 0]) - 20.0


def test_a_covered_design_made_twice_is_the_same_bytes(made, tmp_path):
    """Every file of a case, the cutting templates too, is the same bytes when the same design is
    made again (a resumed batch or a restarted server compares them): no clock or random id in them."""
    import time

    root = made[0]
    time.sleep(1.1)                  # a second later: a timestamp written into a file would differ
    _design(tmp_path / "again", "cover.thickness_mm=1.6", "cover.material=tpu", "cover.body=3mf")
    first = {p.name: p.read_bytes() for p in (root / "full").iterdir()}
    again = {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}
    assert sorted(first) == sorted(again) and any(name.endswith("_cover.dxf") for name in first)
    assert [name for name in first if first[name] != again[name]] == []


def test_what_cannot_be_made_is_refused(tmp_path):
    for sets, words in ((["cover.thickness_mm=2.5"], "leaves less than 1 mm of device under the cover"),
                        (["cover.thickness_mm=2", "rearfoot_post.angle_deg=4"], "cover.thickness_mm = 2 leaves 0."),
                        (["cover.thickness_mm=1.5", "cover.body=3mf"], "cover.material = tpu")):
        r = run_cli("design", *[a for s in sets for a in ("--set", s)], "--out", tmp_path / "o")
        assert r.returncode != 0 and words in r.stderr, (sets, r.stderr)
        assert not (tmp_path / "o").exists()
