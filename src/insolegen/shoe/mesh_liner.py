"""A sock-liner's outline from a mesh (pure: vertices and faces in mm in, an outline out, seen
from above, in any placement): a 3D scan of the liner or of the shoe's own insole, or a shoe last.

- **A liner or an insole** lies flat: its outline is its footprint seen square to its ground (the
  frame ``insolegen measure`` finds, so any pose reads the same), rasterised at RASTER_MM.
- **A last** stands on its bottom (+z up, as lasts are scanned and exported). Its bottom is every
  face of its lower part within FEATHER_DEG of level (either way round: a scan's winding may be
  inward): the feather line
  is where the surface turns from bottom to side. A last's bottom is not flat (the heel stands
  higher, the toe springs up), so its outline is unrolled along the bottom's own profile from heel
  to toe: each point's place along the foot is the bottom's length up to it, as the flat insole
  cut from that last would be. (Slicing the last at a few heights and uniting the sections, as
  KRK's Rhino toolkit does, gives the widest section at any height, and a plan view's length,
  shorter than the bottom by the heel's pitch.)
"""
from __future__ import annotations

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import face_normals, row_norms
from insolegen.geometry.polygon import resample
from insolegen.geometry.raster import height_maps

RASTER_MM = 0.25
SMOOTH_MM = 2.5
LAST_MIN_MM = 50.0        # a mesh this thick across and up is a last; an insole or a liner is thinner
FEATHER_DEG = 45.0        # a face turned further from down than this is the last's side, not its bottom
BOTTOM_OF_HEIGHT = 0.45   # the bottom lies in this lower share of the last's height
MIN_BOTTOM_SHARE = 0.6    # the bottom's faces must reach over this share of the last's length


def is_last(vertices: np.ndarray) -> bool:
    """A mesh thicker than LAST_MIN_MM in both its shorter extents (across and up)."""
    centred = vertices - vertices.mean(axis=0)
    _, _, axes = np.linalg.svd(centred[:: max(1, len(centred) // 20000)], full_matrices=False)
    extents = np.sort(np.ptp(centred @ axes.T, axis=0))
    return bool(extents[1] > LAST_MIN_MM and extents[0] > LAST_MIN_MM)


def _outline_of_mask(hm, mask: np.ndarray, source: str) -> np.ndarray:
    from insolegen.feet.raster_region import mask_polygon

    poly = mask_polygon(mask, hm.xs, hm.ys)
    if poly is None or poly.area < 100.0:
        raise InvalidInput(f"{source}: no outline found on the mesh")
    poly = poly.buffer(RASTER_MM, quad_segs=4).buffer(-RASTER_MM, quad_segs=4)
    # the raster's stair steps smoothed away: a running mean over SMOOTH_MM of the edge (a heel's
    # curve of 30 mm radius moves in by about 0.02 mm)
    edge = resample(np.asarray(poly.exterior.coords)[:-1], 0.5)
    k = int(round(SMOOTH_MM / 0.5)) | 1
    kernel = np.ones(k) / k
    wrapped = np.vstack([edge[-(k // 2):], edge, edge[:k // 2]])
    return np.column_stack([np.convolve(wrapped[:, i], kernel, mode="valid") for i in range(2)])


def liner_outline(vertices: np.ndarray, faces: np.ndarray, source: str) -> np.ndarray:
    """A flat liner's or insole's footprint, seen square to its ground."""
    from insolegen.measure.frame import find_frame

    frame, _ = find_frame(vertices, faces)
    return footprint(vertices, faces, frame, source)


def footprint(vertices: np.ndarray, faces: np.ndarray, frame, source: str) -> np.ndarray:
    """The mesh's footprint in ``frame`` (``insolegen measure``'s: heel at x = 0 along x)."""
    hm = height_maps(frame.to_frame(vertices), faces, RASTER_MM)
    return _outline_of_mask(hm, hm.inside, source)


def last_outline(vertices: np.ndarray, faces: np.ndarray, source: str) -> np.ndarray:
    """A last's bottom at its feather line, unrolled from heel to toe (module docstring)."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    normals = face_normals(vertices, faces)
    length = row_norms(normals)                   # twice each face's area
    keep = length > 0
    down = np.zeros(len(faces), bool)
    # level enough to be bottom, either way round: a scan's winding may face its normals inward
    down[keep] = np.abs(normals[keep, 2]) / length[keep] > np.cos(np.radians(FEATHER_DEG))
    z0, height = float(vertices[:, 2].min()), float(np.ptp(vertices[:, 2]))
    centroid_z = (a[:, 2] + b[:, 2] + c[:, 2]) / 3.0
    bottom = down & (centroid_z < z0 + BOTTOM_OF_HEIGHT * height)
    if not bottom.any():
        raise InvalidInput(f"{source}: a shoe last with no bottom: no face of its lower part faces down (it must stand on "
                           "its bottom, +z up, with the bottom's surface whole)")
    # the long axis of the bottom, seen from above
    centres = ((a + b + c) / 3.0)[bottom]
    weights = 0.5 * length[bottom]
    mean = weights @ centres[:, :2] / weights.sum()
    d = centres[:, :2] - mean
    _, vecs = np.linalg.eigh((d * weights[:, None]).T @ d)
    axis = vecs[:, 1]
    across = np.array([-axis[1], axis[0]])
    along_all = (vertices[:, :2] - mean) @ axis
    span = float(np.ptp(along_all))
    along_bottom = d @ axis
    if np.ptp(along_bottom) < MIN_BOTTOM_SHARE * span:
        raise InvalidInput(f"{source}: a shoe last with no bottom: the faces that face down reach over "
                           f"{np.ptp(along_bottom):.0f} mm of its {span:.0f} mm (the bottom's surface is missing or open)")
    flat = np.column_stack([(vertices[:, :2] - mean) @ axis, (vertices[:, :2] - mean) @ across, vertices[:, 2]])
    hm = height_maps(flat, faces[bottom], RASTER_MM)
    outline = _outline_of_mask(hm, hm.inside, source)
    # the bottom's profile along the foot: its lowest height at each station, smoothed, and its length
    stations = hm.xs
    profile = np.where(hm.inside, hm.bottom, np.inf).min(axis=0)
    seen = np.isfinite(profile)
    profile = np.interp(stations, stations[seen], profile[seen])
    width = max(1, int(round(5.0 / RASTER_MM)))
    profile = np.convolve(np.pad(profile, width, mode="edge"), np.ones(2 * width + 1) / (2 * width + 1), mode="valid")
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(stations), np.diff(profile)))]) + stations[0]
    return np.column_stack([np.interp(outline[:, 0], stations, arc), outline[:, 1]])
