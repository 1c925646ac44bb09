"""Outline + design surfaces -> a watertight insole mesh, watertight by construction; and the
checks every mesh passes before it is written.

The plan is triangulated once (Delaunay over the outline's points and an interior lattice,
keeping exactly the triangles inside the outline and refining until every outline edge is a
triangle edge); triangles are then split locally where the linear mesh strays from the design
surfaces by more than the tolerance. The top and bottom surfaces share that triangulation, and
a side wall joins their boundary loops.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely
from scipy.spatial import Delaunay, cKDTree

from insolegen.errors import DesignFailed
from insolegen.geometry.arrays import connected_labels, row_norms, sorted_unique
from insolegen.geometry.polygon import max_filter_3x3, resample

SURFACE_TOLERANCE_MM = 0.05
REFINE_TOLERANCE_MM = 0.04     # sizing and refinement target; the spec is SURFACE_TOLERANCE_MM
LATTICE_LEVELS_MM = (4.0, 2.0, 1.0, 0.5, 0.25)   # nested lattices, coarse to fine
OUTLINE_SPACING_MM = 1.0
MAX_REFINE_ROUNDS = 12
DETAIL_SPACING_MM = 0.45       # where ``detail`` says: the 0.5 mm lattice, refined from there
MIN_FACE_AREA_MM2 = 1e-4
TIE_BREAK_MM = 1e-6

Surfaces = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]   # xy (n, 2) -> (top, bottom)


@dataclass(frozen=True)
class PlanMesh:
    """A triangulated plan: points (n, 2), triangles (m, 3) CCW, boundary = indices of the
    outline loop (CCW) into points; values (n, k): the surfaces at the points, when known."""
    points: np.ndarray
    triangles: np.ndarray
    boundary: np.ndarray
    values: np.ndarray | None = None


def _hex_lattice(origin: np.ndarray, lo: np.ndarray, hi: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Points in [lo, hi] of the triangular lattice through ``origin`` with this spacing, and
    their integer lattice coordinates (i, j). Lattices of spacing s and s/2 through one origin
    nest: the coarse points are the fine ones with i and j even."""
    a, b = np.array([spacing, 0.0]), np.array([spacing / 2, spacing * np.sqrt(3) / 2])
    j0, j1 = int(np.floor((lo[1] - origin[1]) / b[1])), int(np.ceil((hi[1] - origin[1]) / b[1]))
    # each row's own run of i (a row is offset by half a spacing from the one below), one wider
    # each side than the box needs: the box test below decides, on the points themselves
    rows = np.arange(j0, j1 + 1)
    first = np.floor((lo[0] - origin[0]) / spacing - rows / 2).astype(np.int64) - 1
    count = np.ceil((hi[0] - origin[0]) / spacing - rows / 2).astype(np.int64) + 1 - first + 1
    jj = np.repeat(rows, count)
    ii = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
    pts = origin + ii[:, None] * a + jj[:, None] * b
    keep = (pts[:, 0] >= lo[0]) & (pts[:, 0] <= hi[0]) & (pts[:, 1] >= lo[1]) & (pts[:, 1] <= hi[1])
    return pts[keep], np.column_stack([ii[keep], jj[keep]])


def _spacing_needed(outline: np.ndarray, surfaces: Surfaces, tolerance: float):
    """A function xy -> the triangle size at which linear interpolation of the surfaces stays
    within ``tolerance`` (from their curvature on a 1 mm grid: error ~ curvature x h^2 / 6)."""
    lo, hi = outline.min(axis=0) - 1.0, outline.max(axis=0) + 1.0
    xs, ys = np.arange(lo[0], hi[0] + 1.0, 1.0), np.arange(lo[1], hi[1] + 1.0, 1.0)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    curvature = np.zeros(gx.shape)
    for z in surfaces(np.column_stack([gx.ravel(), gy.ravel()])):
        z = z.reshape(gx.shape)
        zx, zy = np.gradient(z, 1.0)
        zxx, zxy = np.gradient(zx, 1.0)
        _, zyy = np.gradient(zy, 1.0)
        k = 0.5 * np.abs(zxx + zyy) + np.sqrt(0.25 * (zxx - zyy) ** 2 + zxy ** 2)
        curvature = np.maximum(curvature, max_filter_3x3(k))
    h = np.sqrt(6.0 * tolerance / np.maximum(curvature, 1e-9))

    def needed(xy: np.ndarray) -> np.ndarray:
        i = np.clip(np.rint(xy[:, 0] - lo[0]).astype(int), 0, len(xs) - 1)
        j = np.clip(np.rint(xy[:, 1] - lo[1]).astype(int), 0, len(ys) - 1)
        return h[i, j]
    return needed


def _sized_points(outline: np.ndarray, needed) -> tuple[np.ndarray, np.ndarray]:
    """The outline subdivided where the surfaces need it, and nested lattice points inside:
    a point of a finer lattice is used only where the coarser one is too coarse."""
    nxt = np.roll(outline, -1, axis=0)
    mids = 0.5 * (outline + nxt)
    pieces = np.ceil(np.linalg.norm(nxt - outline, axis=1) / np.minimum(needed(mids), OUTLINE_SPACING_MM))
    pieces = np.maximum(1, pieces).astype(int)
    k = np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    boundary = np.repeat(outline, pieces, axis=0) + np.repeat((nxt - outline) / pieces[:, None], pieces, axis=0) * k[:, None]

    polygon = shapely.Polygon(outline)
    shapely.prepare(polygon)
    origin = outline.min(axis=0)
    chosen, spacings = [], []
    region_lo, region_hi = outline.min(axis=0), outline.max(axis=0)
    for level, spacing in enumerate(LATTICE_LEVELS_MM):
        pts, ij = _hex_lattice(origin, region_lo, region_hi, spacing)
        if level:
            # points of this lattice not on the coarser one, where the coarser one is too coarse
            pts = pts[(ij[:, 0] % 2 == 1) | (ij[:, 1] % 2 == 1)]
            pts = pts[needed(pts) < LATTICE_LEVELS_MM[level - 1]]
        pts = pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]
        if not len(pts):
            break
        chosen.append(pts)
        spacings.append(np.full(len(pts), spacing))
        # the next, finer lattice is needed only around the points that needed this one
        region_lo, region_hi = pts.min(axis=0) - spacing, pts.max(axis=0) + spacing
    pts, spacing = np.vstack(chosen), np.concatenate(spacings)
    # only nearness matters: the search stops beyond the largest clearance asked for (inf there)
    clearance = cKDTree(resample(boundary, 0.25)).query(pts, distance_upper_bound=max(LATTICE_LEVELS_MM))[0]
    return boundary, pts[clearance > 0.5 * spacing]


def _orient_ccw(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    return np.where((cross < 0)[:, None], tris[:, [0, 2, 1]], tris)


def _member(keys: np.ndarray, unique_sorted: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in ``unique_sorted`` (sorted, no repeats): by a sort, not numpy 2's
    hashing ``np.isin``, ~20x slower at these sizes."""
    if not len(unique_sorted):
        return np.zeros(len(keys), bool)
    at = np.minimum(np.searchsorted(unique_sorted, keys), len(unique_sorted) - 1)
    return unique_sorted[at] == keys


def _corner_mean(values: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Each triangle's mean of a per-point array over its corners. Three gathers and two sums:
    numpy's mean along a length-3 axis is three times slower (and gives the same numbers)."""
    return (values[tris[:, 0]] + values[tris[:, 1]] + values[tris[:, 2]]) / 3.0


def _largest_abs(rows: np.ndarray) -> np.ndarray:
    """Each row's largest absolute value, column by column: ``max(axis=1)`` over a few columns
    is 25 times slower."""
    columns = np.abs(rows).T
    largest = columns[0]
    for column in columns[1:]:
        largest = np.maximum(largest, column)
    return largest


def _edge_keys(edges: np.ndarray, n: int) -> np.ndarray:
    # minimum and maximum rather than a sort along rows: ~25x faster for two columns
    a, b = edges[:, 0], edges[:, 1]
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


class _Triangulation:
    """Delaunay triangulation of a growing point set, of which ``loop`` (indices, CCW) is the
    outline. Points are only ever appended, so indices stay valid between refinements.
    (scipy's incremental Delaunay was slower here than triangulating afresh.)"""

    def __init__(self, outline: np.ndarray, interior: np.ndarray):
        self.polygon = shapely.Polygon(outline)
        shapely.prepare(self.polygon)
        self.points = np.vstack([outline, interior])
        self.loop = np.arange(len(outline))

    def add(self, new_points: np.ndarray, after: np.ndarray | None = None) -> None:
        """Append points; with ``after`` (positions in the loop), they join the outline loop,
        each just after its position (they must lie on the outline edge that follows it)."""
        first = len(self.points)
        self.points = np.vstack([self.points, new_points])
        if after is not None and len(after):
            order = np.concatenate([np.arange(len(self.loop)), np.asarray(after) + 0.5])
            indices = np.concatenate([self.loop, first + np.arange(len(after))])
            self.loop = indices[np.argsort(order, kind="stable")]

    def ring_edges(self) -> np.ndarray:
        return np.column_stack([self.loop, np.roll(self.loop, -1)])

    def triangles_inside(self) -> np.ndarray:
        # the lattices are full of cocircular points, whose facets Qhull merges slowly; moved
        # by a fixed pseudo-random millionth of a millimetre, ties are broken before it sees
        # them (a third faster). The triangles are the points' own: only ties choose otherwise
        nudge = np.random.default_rng(0).uniform(-TIE_BREAK_MM, TIE_BREAK_MM, self.points.shape)
        tris = Delaunay(self.points + nudge, qhull_options="Qbb Qc Qz Q12").simplices
        a, b, c = (self.points[tris[:, k]] for k in range(3))
        area2 = np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
        tris = tris[area2 > 2 * MIN_FACE_AREA_MM2]   # Qhull leaves flat triangles along straight hull edges
        centroids = _corner_mean(self.points, tris)
        inside = shapely.contains_xy(self.polygon, centroids[:, 0], centroids[:, 1])
        return _orient_ccw(self.points, tris[inside])

    def conform(self) -> np.ndarray:
        """Insert outline-edge midpoints until every outline edge is a triangle edge; returns
        the triangles inside the outline."""
        for _ in range(12):
            tris = self.triangles_inside()
            n = len(self.points)
            have = sorted_unique(_edge_keys(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), n))
            ring = self.ring_edges()
            missing = np.flatnonzero(~_member(_edge_keys(ring, n), have))
            if not missing.size:
                return tris
            self.add(0.5 * (self.points[ring[missing, 0]] + self.points[ring[missing, 1]]), after=missing)
        raise DesignFailed("could not triangulate the outline: some of its edges never appeared in the triangulation")

    def plan_mesh(self, tris: np.ndarray, values: np.ndarray | None = None) -> PlanMesh:
        """Compact to the points in use (the outline loop first); ``values`` per point follow."""
        used = np.zeros(len(self.points), bool)
        used[tris.ravel()] = True
        used[self.loop] = True
        in_loop = np.zeros(len(self.points), bool)
        in_loop[self.loop] = True
        rest = np.flatnonzero(used & ~in_loop)
        order = np.concatenate([self.loop, rest])
        remap = np.empty(len(self.points), np.int64)
        remap[order] = np.arange(len(order))
        return PlanMesh(self.points[order], remap[tris], np.arange(len(self.loop)),
                        None if values is None else values[order])


def triangulate_plan(outline: np.ndarray, interior: np.ndarray) -> PlanMesh:
    t = _Triangulation(outline, interior)
    return t.plan_mesh(t.conform())


def _split_triangles(tris: np.ndarray, mids: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Split CCW triangles at the midpoints of their marked edges. ``mids[i, k]`` is the index of
    the midpoint of edge k (vertex k -> k + 1) of triangle i, or -1. A triangle with three marked
    edges becomes four, with two three, with one two. Neighbours share their edges' midpoints,
    so the result conforms without a new triangulation."""
    marked = mids >= 0
    count = marked[:, 0].astype(int) + marked[:, 1] + marked[:, 2]
    out = [tris[count == 0]]

    rows = np.flatnonzero(count == 3)
    (a, b, c), (m0, m1, m2) = tris[rows].T, mids[rows].T
    out += [np.column_stack(t) for t in ((a, m0, m2), (m0, b, m1), (m2, m1, c), (m0, m1, m2))]

    def rotated(rows: np.ndarray, first: np.ndarray):
        turn = (first[:, None] + np.arange(3)) % 3
        return tris[rows[:, None], turn].T, mids[rows[:, None], turn].T

    rows = np.flatnonzero(count == 1)                       # the marked edge becomes edge 0
    (a, b, c), (m0, _, _) = rotated(rows, marked[rows].argmax(axis=1))
    out += [np.column_stack((a, m0, c)), np.column_stack((m0, b, c))]

    rows = np.flatnonzero(count == 2)                       # the unmarked edge becomes edge 2
    (a, b, c), (m0, m1, _) = rotated(rows, (marked[rows].argmin(axis=1) + 1) % 3)
    out.append(np.column_stack((m0, b, m1)))
    # the quad a, m0, m1, c is cut along its shorter diagonal
    short = np.linalg.norm(points[a] - points[m1], axis=1) <= np.linalg.norm(points[m0] - points[c], axis=1)
    out += [np.column_stack(t)[short] for t in ((a, m0, m1), (a, m1, c))]
    out += [np.column_stack(t)[~short] for t in ((a, m0, c), (m0, m1, c))]
    return np.concatenate(out)


class _Evaluated:
    """The surfaces at the midpoints of edges (or the centroids of triangles) already met, by
    their corner indices, which stay put as points are added: each round evaluates only
    what is new (most of the mesh is left as it was)."""

    def __init__(self, columns: int = 2):
        self.keys = np.empty(0, np.int64)
        self.values = np.empty((0, columns))

    def at(self, corners: np.ndarray, xy: np.ndarray, surfaces: Surfaces) -> np.ndarray:
        if len(corners) and int(corners.max()) >= 1 << 21:
            raise DesignFailed("the mesh grew past 2 million points while refining")
        keys = np.zeros(len(corners), np.int64)
        for k in range(corners.shape[1]):            # 21 bits a corner: up to 2 million points
            keys = (keys << 21) | corners[:, k].astype(np.int64)
        values = np.empty((len(keys), self.values.shape[1]))
        known = _member(keys, self.keys)
        at = np.searchsorted(self.keys, keys[known])
        values[known] = self.values[at]
        if (~known).any():
            values[~known] = np.column_stack(surfaces(xy[~known]))
        order = np.argsort(keys)
        self.keys, self.values = keys[order], values[order]
        return values


def refine_plan(outline: np.ndarray, surfaces: Surfaces, tolerance: float | None = None,
                detail: Callable[[np.ndarray], np.ndarray] | None = None) -> PlanMesh:
    """Triangulate, then split edges at their midpoints wherever the linear mesh misses a
    surface by more than ``tolerance`` at an edge midpoint or a triangle centroid, until it
    does not (splitting locally: one Delaunay triangulation in all). ``detail(xy) -> bool``:
    where the surfaces have features finer than the 1 mm grid their curvature is read on (an
    engraving's strokes): the finest lattice is laid there from the start. ``tolerance``:
    REFINE_TOLERANCE_MM unless given."""
    tolerance = REFINE_TOLERANCE_MM if tolerance is None else tolerance
    needed = _spacing_needed(outline, surfaces, tolerance)
    if detail is not None:
        coarse = needed

        def needed(xy):
            return np.where(detail(xy), DETAIL_SPACING_MM, coarse(xy))
    boundary, interior = _sized_points(outline, needed)
    t = _Triangulation(boundary, interior)
    tris = t.conform()
    z = np.column_stack(surfaces(t.points))
    seen_mid, seen_cent = _Evaluated(), _Evaluated()     # the surfaces at midpoints and centroids of earlier rounds
    for round_ in range(MAX_REFINE_ROUNDS):
        pts, n = t.points, len(t.points)
        edge_of = _edge_keys(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), n)
        keys = sorted_unique(edge_of)
        edges = np.column_stack([keys // n, keys % n])
        mids = 0.5 * (pts[edges[:, 0]] + pts[edges[:, 1]])
        z_mid = seen_mid.at(edges, mids, surfaces)
        z_cent = seen_cent.at(np.sort(tris, axis=1), _corner_mean(pts, tris), surfaces)
        err_mid = _largest_abs(z_mid - 0.5 * (z[edges[:, 0]] + z[edges[:, 1]]))
        err_cent = _largest_abs(z_cent - _corner_mean(z, tris))
        bad = err_mid > tolerance
        # a triangle that strays at its centroid has its longest edge split
        bad_tris = np.flatnonzero(err_cent > tolerance)
        if bad_tris.size:
            tt = tris[bad_tris]
            lengths = np.stack([np.linalg.norm(pts[tt[:, i]] - pts[tt[:, (i + 1) % 3]], axis=1) for i in range(3)], axis=1)
            k, rows = lengths.argmax(axis=1), np.arange(len(tt))
            bad |= _member(keys, sorted_unique(_edge_keys(np.column_stack([tt[rows, k], tt[rows, (k + 1) % 3]]), n)))
        worst = max(float(err_mid.max()), float(err_cent.max()))
        last_round = round_ == MAX_REFINE_ROUNDS - 1
        if not bad.any() or (last_round and worst <= SURFACE_TOLERANCE_MM):
            return t.plan_mesh(tris, z)
        ring_keys = _edge_keys(t.ring_edges(), n)
        ring_order = np.argsort(ring_keys)
        on_ring = _member(keys, ring_keys[ring_order])
        split_ring, split_inside = np.flatnonzero(bad & on_ring), np.flatnonzero(bad & ~on_ring)
        t.add(mids[split_ring], after=ring_order[np.searchsorted(ring_keys[ring_order], keys[split_ring])])
        t.add(mids[split_inside])
        midpoint = np.full(len(keys), -1)
        midpoint[np.concatenate([split_ring, split_inside])] = n + np.arange(len(split_ring) + len(split_inside))
        z = np.vstack([z, z_mid[split_ring], z_mid[split_inside]])
        tris = _split_triangles(tris, midpoint[np.searchsorted(keys, edge_of)].reshape(3, -1).T, t.points)
    raise DesignFailed(f"the mesh could not follow the design surfaces within {SURFACE_TOLERANCE_MM} mm "
                       f"after {MAX_REFINE_ROUNDS} refinements (worst {worst:.3f} mm)")


def solid_from_plan(plan: PlanMesh, top: np.ndarray, bottom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (2n, 3) and faces: top (normals up), bottom (down), side wall (outward)."""
    n = len(plan.points)
    vertices = np.vstack([
        np.column_stack([plan.points, top]),
        np.column_stack([plan.points, bottom]),
    ])
    b = plan.boundary
    b_next = np.roll(b, -1)
    wall = np.concatenate([
        np.column_stack([b, b + n, b_next + n]),
        np.column_stack([b, b_next + n, b_next]),
    ])
    faces = np.concatenate([plan.triangles, plan.triangles[:, ::-1] + n, wall])
    return vertices, faces.astype(np.int64)


@dataclass(frozen=True)
class MeshChecks:
    watertight: bool
    winding_consistent: bool
    outward: bool
    bodies: int
    volume_mm3: float
    degenerate_faces: int
    duplicate_faces: int
    min_thickness_mm: float
    min_thickness_required_mm: float

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.watertight:
            out.append("the mesh is not watertight")
        if not self.winding_consistent:
            out.append("face winding is inconsistent")
        if not self.outward:
            out.append("the faces point inward (negative volume)")
        if self.bodies != 1:
            out.append(f"the mesh has {self.bodies} bodies, not one")
        if self.degenerate_faces:
            out.append(f"{self.degenerate_faces} degenerate faces")
        if self.duplicate_faces:
            out.append(f"{self.duplicate_faces} duplicate faces")
        if self.min_thickness_mm < self.min_thickness_required_mm - 1e-9:
            out.append(f"thinnest point {self.min_thickness_mm:.2f} mm is below the printable minimum "
                       f"{self.min_thickness_required_mm:g} mm")
        return out

    def as_dict(self) -> dict:
        d = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}
        return {**d, "passed": not self.problems}


def check_mesh(vertices: np.ndarray, faces: np.ndarray, thickness: np.ndarray, min_thickness: float) -> MeshChecks:
    """Closed, consistently wound, outward, one body, no degenerate or duplicate faces, thick
    enough. Counted from the half-edges directly (numpy): trimesh would cost a second to import."""
    n = len(vertices)
    half_edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    _, uses = np.unique(_edge_keys(half_edges, n), return_counts=True)
    watertight = bool((uses == 2).all())
    # consistent winding: no directed edge twice (on a closed mesh, each edge's two uses then
    # run opposite ways)
    winding_consistent = len(sorted_unique(half_edges[:, 0] * n + half_edges[:, 1])) == len(half_edges)
    labels = connected_labels(half_edges[:, 0], half_edges[:, 1], n)
    bodies = len(sorted_unique(labels[np.bincount(faces.ravel(), minlength=n) > 0]))
    sorted_faces = np.sort(faces, axis=1).astype(np.int64)
    face_keys = (sorted_faces[:, 0] * n + sorted_faces[:, 1]) * n + sorted_faces[:, 2]
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    cross = np.cross(b - a, c - a)
    areas = 0.5 * row_norms(cross)
    volume = float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6.0)
    return MeshChecks(
        watertight=watertight,
        winding_consistent=winding_consistent,
        outward=volume > 0,
        bodies=int(bodies),
        volume_mm3=volume,
        degenerate_faces=int((areas < MIN_FACE_AREA_MM2).sum()),
        duplicate_faces=int(len(faces) - len(sorted_unique(face_keys))),
        min_thickness_mm=float(thickness.min()),
        min_thickness_required_mm=min_thickness,
    )


def require_valid(checks: MeshChecks, label: str) -> None:
    if checks.problems:
        raise DesignFailed(f"{label}: the mesh failed its checks, nothing was written: " + "; ".join(checks.problems))
