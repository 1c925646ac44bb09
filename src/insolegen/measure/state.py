"""The state of a mesh as found (closed? how many bodies? degenerate faces? consistent winding?
self-intersections?) and its main body, cleaned up for measuring, with a warning for each
thing that had to be put right."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import sorted_unique
from insolegen.geometry.topology import components, edges_of, face_areas, signed_volume

DEGENERATE_AREA_MM2 = 1e-6


@dataclass(frozen=True)
class MeshState:
    triangles: int
    watertight: bool
    bodies: int
    degenerate_faces: int
    duplicate_faces: int
    winding_consistent: bool
    outward: bool
    self_intersections: int | None     # pairs of non-adjacent faces that cross; None: not checked

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Body:
    vertices: np.ndarray
    faces: np.ndarray
    watertight: bool
    volume_mm3: float | None            # None when the body is open even after repair
    warnings: list[str] = field(default_factory=list)


def _closed_and_consistent(faces: np.ndarray, n: int) -> tuple[bool, bool]:
    half, undirected = edges_of(faces, n)
    _, uses = np.unique(undirected, return_counts=True)
    directed = half[:, 0] * n + half[:, 1]
    return bool(len(uses) and (uses == 2).all()), len(sorted_unique(directed)) == len(directed)


def inspect(vertices: np.ndarray, faces: np.ndarray, check_intersections: bool = True) -> MeshState:
    """The mesh as it was given (vertices already merged)."""
    n = len(vertices)
    areas = face_areas(vertices, faces)
    degenerate = (areas < DEGENERATE_AREA_MM2) | (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    s = np.sort(faces, axis=1).astype(np.int64)
    duplicates = len(faces) - len(sorted_unique((s[:, 0] * n + s[:, 1]) * n + s[:, 2]))
    watertight, consistent = _closed_and_consistent(faces, n)
    from insolegen.measure.intersect import count_self_intersections

    crossings = count_self_intersections(vertices, faces[~degenerate]) if check_intersections else None
    return MeshState(
        triangles=int(len(faces)), watertight=watertight, bodies=int(len(np.unique(components(faces, n)))),
        degenerate_faces=int(degenerate.sum()), duplicate_faces=int(duplicates),
        winding_consistent=consistent, outward=signed_volume(vertices, faces) > 0,
        self_intersections=crossings,
    )


def main_body(vertices: np.ndarray, faces: np.ndarray) -> Body:
    """The largest body (by area) without degenerate or repeated faces, wound outward, holes
    filled where that closes it; a warning for each repair."""
    warnings = []
    n = len(vertices)
    areas = face_areas(vertices, faces)
    bad = (areas < DEGENERATE_AREA_MM2) | (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    if bad.any():
        warnings.append(f"{int(bad.sum())} degenerate faces (zero area) were ignored")
        faces, areas = faces[~bad], areas[~bad]
        if not len(faces):
            raise InvalidInput(f"every one of the mesh's {int(bad.sum())} triangles is degenerate (zero area, or two corners the "
                               "same): there is no surface to measure")
    s = np.sort(faces, axis=1).astype(np.int64)
    _, first = np.unique((s[:, 0] * n + s[:, 1]) * n + s[:, 2], return_index=True)
    if len(first) < len(faces):
        warnings.append(f"{len(faces) - len(first)} duplicate faces were ignored")
        keep = np.sort(first)
        faces, areas = faces[keep], areas[keep]
    labels = components(faces, n)
    body_area = np.bincount(labels, weights=areas)
    main = int(np.argmax(body_area))
    others = int((body_area > 0).sum()) - 1
    if others:
        share = 100.0 * (1.0 - body_area[main] / body_area.sum())
        warnings.append(f"{others} disconnected fragment{'s' if others > 1 else ''} ({share:.1f} % of the surface) "
                        "were ignored; measured the main body")
    faces = faces[labels == main]
    used = np.unique(faces)
    remap = np.zeros(len(vertices), np.int64)
    remap[used] = np.arange(len(used))
    vertices, faces = vertices[used], remap[faces]

    watertight, consistent = _closed_and_consistent(faces, len(vertices))
    if not (watertight and consistent):
        vertices, faces, watertight = _repair(vertices, faces, watertight, consistent, warnings)
    volume = signed_volume(vertices, faces)
    if watertight and volume < 0:
        faces = faces[:, ::-1].copy()
        volume = -volume
        warnings.append("the normals pointed inward: turned outward")
    return Body(vertices, faces, watertight, volume if watertight else None, warnings)


def _repair(vertices, faces, watertight, consistent, warnings):
    """Fill holes and make the winding consistent (trimesh's repairs: only imported when needed)."""
    import trimesh

    mesh = trimesh.Trimesh(vertices, faces, process=False, validate=False)
    if not watertight:
        open_edges = len(trimesh.grouping.group_rows(mesh.edges_sorted, require_count=1))
        trimesh.repair.fill_holes(mesh)
        watertight, consistent = _closed_and_consistent(np.asarray(mesh.faces), len(mesh.vertices))
        fixed = "filled" if watertight else "could not all be filled; volume from the height maps"
        warnings.append(f"the mesh has holes ({open_edges} open edges): {fixed}")
    if not consistent:
        trimesh.repair.fix_winding(mesh)
        warnings.append("face winding was inconsistent (some normals flipped): fixed")
    return np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64), watertight
