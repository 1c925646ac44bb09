"""The mesh checks that guard every write, on meshes with known faults."""
import numpy as np
import pytest
import trimesh
from helpers import designed

from insolegen.device.mesh import check_mesh


def _checks(mesh: trimesh.Trimesh):
    return check_mesh(np.asarray(mesh.vertices), np.asarray(mesh.faces), np.array([2.0]), 1.0)


def test_a_closed_box_passes_and_its_volume_is_right():
    checks = _checks(trimesh.creation.box([10.0, 20.0, 3.0]))
    assert checks.problems == []
    assert abs(checks.volume_mm3 - 600.0) < 1e-9


def test_each_fault_is_named():
    box = trimesh.creation.box([10.0, 20.0, 3.0])
    open_box = trimesh.Trimesh(box.vertices, box.faces[1:], process=False)
    assert "the mesh is not watertight" in _checks(open_box).problems

    flipped = box.faces.copy()
    flipped[0] = flipped[0, ::-1]
    assert "face winding is inconsistent" in _checks(trimesh.Trimesh(box.vertices, flipped, process=False)).problems

    inward = trimesh.Trimesh(box.vertices, box.faces[:, ::-1], process=False)
    assert "the faces point inward (negative volume)" in _checks(inward).problems

    second = box.copy()
    second.apply_translation([50.0, 0.0, 0.0])
    assert "the mesh has 2 bodies, not one" in _checks(trimesh.util.concatenate([box, second])).problems

    doubled = trimesh.Trimesh(box.vertices, np.vstack([box.faces, box.faces[:1]]), process=False)
    assert "1 duplicate faces" in _checks(doubled).problems

    thin = check_mesh(np.asarray(box.vertices), np.asarray(box.faces), np.array([0.6, 2.0]), 1.0)
    assert any("below the printable minimum" in p for p in thin.problems)


def test_a_degenerate_sliver_is_counted():
    box = trimesh.creation.box([10.0, 20.0, 3.0])
    vertices = np.vstack([box.vertices, [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]])
    faces = np.vstack([box.faces, [[8, 9, 10]]])
    assert _checks(trimesh.Trimesh(vertices, faces, process=False)).degenerate_faces == 1


@pytest.mark.parametrize("seed", range(4))
def test_connected_labels_are_scipys_components(seed):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from insolegen.geometry.arrays import connected_labels

    rng = np.random.default_rng(seed)
    for _ in range(50):
        n, m = int(rng.integers(1, 400)), int(rng.integers(0, 500))
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        _, expected = connected_components(coo_matrix((np.ones(m), (a, b)), shape=(n, n)), directed=False)
        assert np.array_equal(connected_labels(a, b, n), expected)
    # a long path numbered against the hooking order still ends as one component
    path = rng.permutation(5000)
    assert (connected_labels(path[:-1], path[1:], 5000) == 0).all()


@pytest.mark.parametrize("seed", range(3))
def test_hull_2d_keeps_exactly_qhulls_vertices(seed):
    """The octagon prefilter drops only points that cannot be hull vertices: discs, squares
    (where extremes in several directions share a corner), lattices with points along the
    hull's edges, one turned insole's vertices, and too few points to prefilter."""
    from scipy.spatial import ConvexHull

    from insolegen.geometry.arrays import hull_2d

    rng = np.random.default_rng(seed)
    r = np.sqrt(rng.random(3000))
    t = rng.random(3000) * 2 * np.pi
    lattice = np.stack(np.meshgrid(np.arange(40.0), np.arange(25.0)), axis=-1).reshape(-1, 2)
    insole = np.asarray(designed()[1]["right"].vertices)[:, :2]
    turn = rng.random() * np.pi
    clouds = [np.column_stack([r * np.cos(t), r * np.sin(t)]), rng.random((3000, 2)) * [300, 1],
              rng.integers(0, 5, (500, 2)).astype(float), lattice, lattice @ [[0.6, 0.8], [-0.8, 0.6]],
              insole @ [[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]], rng.random((20, 2))]
    for points in clouds:
        hull = hull_2d(points)
        expected = points[ConvexHull(points).vertices]
        assert sorted(map(tuple, hull)) == sorted(map(tuple, expected))
        area2 = np.sum(hull[:, 0] * np.roll(hull[:, 1], -1) - np.roll(hull[:, 0], -1) * hull[:, 1])
        assert area2 > 0                                          # counter-clockwise
    assert len(hull_2d(rng.random((4000, 2)))) < 40              # the prefilter drops interior points, and the answer is a hull


def test_row_norms_are_numpys_norms_exactly():
    from insolegen.geometry.arrays import row_norms

    rng = np.random.default_rng(5)
    for columns in (1, 2, 3, 4):
        for dtype in (np.float64, np.float32):
            v = (rng.normal(size=(1000, columns)) * 10.0 ** rng.integers(-6, 6, (1000, 1))).astype(dtype)
            assert np.array_equal(row_norms(v), np.linalg.norm(v, axis=1))
            assert row_norms(v).dtype == dtype
