"""A sock-liner read from a mesh (`design --shoe FILE.stl`): a 3D scan of a liner in any pose, the
shoe's own insole (a device this tool made), and a shoe last made from the parametric foot
(standing on a bottom whose heel is raised and whose toe springs up). Each outline is compared
with the one it was made from, in the canonical frame, all round; a last's is as long as its
bottom unrolled. A last with no bottom is refused."""
from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
import trimesh
from helpers import run_cli
from scipy.spatial import Delaunay

from insolegen.feet.foot import foot_from_points
from insolegen.feet.footshape import foot_from_size
from insolegen.shoe.read import read_liner

HEEL_RAISE_MM, TOE_SPRING_MM, LAST_HEIGHT_MM = 18.0, 8.0, 85.0


def _canonical(outline: np.ndarray) -> shapely.Polygon:
    return shapely.Polygon(foot_from_points(outline, source="expected").outline)


def _apart(read: np.ndarray, expected: np.ndarray) -> float:
    """How far the two outlines stand apart, at most (mm): the Hausdorff distance of their edges."""
    return float(shapely.hausdorff_distance(shapely.Polygon(read).exterior, _canonical(expected).exterior, densify=0.1))


def _plate(outline: np.ndarray, thickness: float = 4.0) -> trimesh.Trimesh:
    return _solid(outline, lambda x, length: np.zeros_like(x), thickness)


def _posed(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Tilted 25° about x, turned 70° about z and moved: as a scanner leaves it."""
    turned = mesh.copy()
    turned.apply_transform(trimesh.transformations.rotation_matrix(np.radians(25), [1, 0, 0]))
    turned.apply_transform(trimesh.transformations.rotation_matrix(np.radians(70), [0, 0, 1]))
    turned.apply_translation([120.0, -40.0, 33.0])
    return turned


def _bottom_z(x: np.ndarray, length: float) -> np.ndarray:
    """A last's bottom: the heel raised, falling to the ball's floor by 60 % of the length, the toe springing up."""
    t = np.clip(x / (0.6 * length), 0.0, 1.0)
    heel = HEEL_RAISE_MM * (1.0 - (3 * t ** 2 - 2 * t ** 3))
    toe = TOE_SPRING_MM * np.clip((x - 0.8 * length) / (0.2 * length), 0.0, 1.0) ** 2
    return heel + toe


def _last(outline: np.ndarray, with_bottom: bool = True) -> trimesh.Trimesh:
    """A last on the outline: a bottom following ``_bottom_z`` (faces down), straight sides, a flat top."""
    return _solid(outline, _bottom_z, LAST_HEIGHT_MM, with_bottom)


def _solid(outline: np.ndarray, bottom_z, top_z: float, with_bottom: bool = True) -> trimesh.Trimesh:
    """A solid on the outline, its bottom at ``bottom_z(x from the heel, length)`` (triangulated
    with points inside, so that it follows a curve), straight sides, a flat top at ``top_z``."""
    poly = shapely.Polygon(outline)
    xs, ys = np.meshgrid(np.arange(*poly.bounds[0::2], 4.0), np.arange(*poly.bounds[1::3], 4.0))
    inner = poly.buffer(-1.5)
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    grid = grid[shapely.contains_xy(inner, grid[:, 0], grid[:, 1])]
    pts = np.vstack([outline, grid])
    tris = Delaunay(pts).simplices
    centroids = pts[tris].mean(axis=1)
    tris = tris[shapely.contains_xy(poly, centroids[:, 0], centroids[:, 1])]
    a, b, c = (pts[tris[:, k]] for k in range(3))
    ccw = ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]) > 0
    tris[ccw] = tris[ccw][:, ::-1]                                   # clockwise from above: the bottom faces down
    n, length = len(pts), float(np.ptp(outline[:, 0]))
    bottom = np.column_stack([pts, bottom_z(pts[:, 0] - pts[:, 0].min(), length)])
    top = np.column_stack([pts, np.full(n, top_z)])
    ring = np.arange(len(outline))
    walls = np.vstack([np.column_stack([ring, np.roll(ring, -1), np.roll(ring, -1) + n]),
                       np.column_stack([ring, np.roll(ring, -1) + n, ring + n])])
    faces = [tris[:, ::-1] + n, walls] + ([tris] if with_bottom else [])
    return trimesh.Trimesh(np.vstack([bottom, top]), np.vstack(faces), process=False)


def test_a_liner_scanned_in_any_pose_reads_as_its_outline(tmp_path):
    outline = foot_from_size("EU44", "wide").outline
    path = tmp_path / "liner_scan.stl"
    _posed(_plate(outline)).export(path)
    liner = read_liner(path)
    assert liner.side == "right" and _apart(liner.outline, outline) < 0.5


def test_the_shoes_own_insole_reads_as_its_outline(tmp_path):
    r = run_cli("design", "--size", "EU44", "--width", "wide", "--side", "right", "--format", "stl,json", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "EU44_wide.json").read_text())
    liner = read_liner(tmp_path / "EU44_wide_right.stl")
    assert liner.side == "right" and _apart(liner.outline, np.array(record["derived"]["device_outline_mm"])) < 0.5


def test_a_last_reads_as_its_bottom_unrolled_and_fits_a_device(tmp_path):
    outline = foot_from_size("EU44", "medium").outline
    path = tmp_path / "last.stl"
    _last(outline).export(path)
    liner = read_liner(path)
    x = np.sort(outline[:, 0] - outline[:, 0].min())
    fine = np.linspace(0.0, x[-1], 4000)
    unrolled = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(fine), np.diff(_bottom_z(fine, x[-1]))))])
    assert np.ptp(liner.outline[:, 0]) == pytest.approx(unrolled[-1], abs=0.6)
    assert unrolled[-1] - x[-1] > 1.5                          # longer than the plan view: the heel's pitch, the toe's spring
    expected = np.column_stack([np.interp(outline[:, 0] - outline[:, 0].min(), fine, unrolled), outline[:, 1]])
    assert _apart(liner.outline, expected) < 0.6
    # a device for a smaller foot fits in it, and the record names the last
    r = run_cli("design", "--size", "EU42", "--side", "right", "--shoe", path, "--format", "json", "--out", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "o" / "EU42_medium.json").read_text())["shoe"]["file"] == "last.stl"


def test_a_last_with_no_bottom_is_refused(tmp_path):
    path = tmp_path / "open_last.stl"
    _last(foot_from_size("EU44", "medium").outline, with_bottom=False).export(path)
    r = run_cli("design", "--size", "EU42", "--side", "right", "--shoe", path, "--out", tmp_path / "o")
    assert r.returncode == 1 and "no bottom" in r.stderr and "open_last.stl" in r.stderr
    assert not (tmp_path / "o").exists()
