"""What a preview shows, whatever draws it (the pictures, the interactive window, the HTML
view): the devices in their own frames, the record and the scans; per-vertex thickness; where
the sections are cut; and whether VTK has something to render with."""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.outputs.numbers import fixed
from insolegen.outputs.readings import part_of

HEIGHTS_GRID_MM = 1.0         # the height maps a preview draws from (thumbnail, 3D view, thickness)


@dataclass(frozen=True)
class Shown:
    """One device to draw, in its own frame (heel at x = 0, ground z = 0)."""
    label: str
    side: str | None          # "left", "right" or None (unknown)
    vertices: np.ndarray
    faces: np.ndarray

    @cached_property
    def heights(self):
        """Its top and bottom height maps on the HEIGHTS_GRID_MM grid: made once, however many
        pictures of it are drawn (a batch case's thumbnail and 3D view)."""
        from insolegen.geometry.raster import height_maps

        return height_maps(self.vertices, self.faces, HEIGHTS_GRID_MM)

    @cached_property
    def thickness(self) -> np.ndarray:
        """Top minus bottom at each vertex, made once for its colour range and its colours."""
        return vertex_thickness(self.vertices, self.faces, self.heights)


@dataclass(frozen=True)
class PreviewInput:
    name: str
    devices: list[Shown]
    record: dict | None = None
    scans: dict = field(default_factory=dict)     # side -> (vertices, faces) seated on that device
    record_path: Path | None = None               # the design record it was read from


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def use_osmesa_without_display() -> None:
    """With no display, VTK renders through OSMesa. Without that library VTK dies with a
    segmentation fault when the first window opens: found out here, before VTK starts."""
    if has_display():
        return
    import ctypes.util

    if ctypes.util.find_library("OSMesa") is None and "VTK_DEFAULT_OPENGL_WINDOW" not in os.environ:
        raise InvalidInput("there is no display here and no off-screen renderer: install OSMesa "
                           "(Debian/Ubuntu: apt-get install libosmesa6) or run under a virtual display "
                           "(xvfb-run insolegen ...)")
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkOSOpenGLRenderWindow")



def vertex_thickness(vertices: np.ndarray, faces: np.ndarray, hm=None) -> np.ndarray:
    """Top minus bottom straight down through each vertex (1 mm height maps, nearest cell);
    ``hm``: the mesh's height maps, when the caller has them already."""
    from scipy.ndimage import maximum_filter

    from insolegen.geometry.raster import height_maps

    hm = hm if hm is not None else height_maps(vertices, faces, HEIGHTS_GRID_MM)
    step = float(hm.xs[1] - hm.xs[0]) if len(hm.xs) > 1 else 1.0
    i = np.clip(np.rint((vertices[:, 0] - hm.xs[0]) / step).astype(int), 0, len(hm.xs) - 1)
    j = np.clip(np.rint((vertices[:, 1] - hm.ys[0]) / step).astype(int), 0, len(hm.ys) - 1)
    # a rim vertex may fall just outside the map's cells: take the thickest cell next to it
    grid = maximum_filter(np.nan_to_num(hm.top - hm.bottom, nan=0.0), size=3)
    return grid[j, i]


def section_positions(device: Shown, record: dict | None) -> list[tuple[str, float]]:
    """x of the heel seat, the arch apex and the met pad (only where the device has one), from
    the record where there is one: where the design put them, for ``device``'s own foot."""
    length = float(np.ptp(device.vertices[:, 0]))
    x0 = float(device.vertices[:, 0].min())
    stations = [("heel seat", x0 + 0.15 * length)]
    if not record:
        return stations + [("arch apex", 0.42 * length), ("met pad", 0.62 * length)]
    derived = part_of(record, device.side)["derived"]
    stations.append(("arch apex", derived["arch"]["apex_x"]))
    pad = derived.get("features", {}).get("met_pad")
    if pad:
        stations.append(("met pad", pad["centre_mm"][0]))
    return stations


EXAGGERATION = 3.0          # side views and sections draw heights this many times over: the PNG and the view alike


def legend_ticks(top: float) -> list[str]:
    """The colour legend's five tick labels from 0 to ``top`` mm, written once for the picture
    and the 3D view (which rounded 11.25 two ways: 11.2 and 11.3)."""
    return [fixed(v, 1) for v in np.linspace(0.0, top, 5)]


def colour_values(devices: list[Shown], color: str):
    """Per-vertex values of each device for a colour map ("height" or "thickness") and their
    common range from 0, or (None, None) for "none": the picture's and the 3D view's."""
    if color == "none":
        return None, None
    values = [d.vertices[:, 2] if color == "height" else d.thickness for d in devices]
    return values, (0.0, max(float(v.max()) for v in values))


@contextmanager
def signals_held():
    """Ctrl-C, SIGTERM and SIGHUP held back while VTK renders, and delivered once it is done: an
    interrupt raised inside VTK's render crashed the process (SIGSEGV) instead of stopping it
    cleanly (exit 130, its staging folder removed)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
