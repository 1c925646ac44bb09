"""The foot an order came from, drawn for its landmarks to be seen and moved: a footprint image
as it is (its pixels are the input's own coordinates), a 3D scan, a pressure plate or an outline
as a plantar view in the plane its outline was read in (a plate's sensors shaded by pressure).

Each landmark is placed where the latest designed revision read it, with its one-SD ring and how
it was found. A landmark moved on a picture comes back in that picture's pixels; ``to_source``
turns it into the input file's own coordinates (x, y, and z on a scan's ground plane), the
coordinates ``design --landmark`` takes, so a revision keeps what the CLI would be given."""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
SHOWN_MARKS = ("heel_center", "navicular", "mth1_head", "mth5_head", "met_pad_center")
DESK_PX_PER_MM = 2.5              # a plantar picture's scale: a 300 mm foot is 800 px tall


@dataclass
class Picture:
    role: str                      # the input file's role: foot, left, right
    what: str                      # "footprint image", "3D scan", "pressure plate", "outline"
    width: int
    height: int
    marks: list[dict] = field(default_factory=list)
    views: dict = field(default_factory=dict)       # side -> (PlantarView, Foot) for a plantar picture; empty for an image
    sensors: tuple | None = None   # a plate's sensors, shaded under its foot
    relief: tuple | None = None    # a scan's points in the view's plane and their height above the ground

    def png(self) -> bytes:
        """A plantar picture's bytes (an image is served as it came)."""
        from insolegen.outputs.overlay import plantar_background, png_bytes

        (view, foot), = self.views.values()
        return png_bytes(plantar_background(view, foot, self.sensors, self.relief))

    def to_source(self, side: str, px) -> list[float]:
        """A point moved on this picture (its pixels) -> the input's own coordinates for ``side``'s foot."""
        if not self.views:
            return [round(float(v), 2) for v in px]
        view, foot = self.views[side]
        plane = view.to_plane(np.asarray(px, dtype=float))
        if foot.source_frame is None or foot.frame is None:          # no file coordinates: canonical mm
            return [round(float(v), 3) for v in foot.to_canonical(plane)[0]]
        return [round(float(v), 4) for v in foot.source_frame.apply(plane)[0]]


def _label(name: str) -> str:
    return name.replace("_head", "").replace("_center", "").replace("_", " ").upper()


def _mark(side: str, name: str, xy_px, sd_mm: float | None, px_per_mm: float, how: str) -> dict:
    return {"side": side, "name": name, "x": round(float(xy_px[0]), 1), "y": round(float(xy_px[1]), 1),
            "ring": round(max(sd_mm or 1.0, 1.0) * px_per_mm, 1), "how": how, "label": _label(name)}


def image_picture(role: str, image_bytes: bytes, record: dict) -> Picture:
    """A footprint image with each foot's landmarks in its pixels (the record's ``source``)."""
    from PIL import Image

    with Image.open(io.BytesIO(image_bytes)) as im:
        width, height = im.size
    feet = record.get("per_side_feet") or {record["foot"]["side"]: record}
    picture = Picture(role, "footprint image", width, height)
    for side, part in feet.items():
        found = part["foot"]["landmarks"]
        heel, head = found.get("heel_center", {}), found.get("mth1_head", {})
        if "source" not in heel or "source" not in head:
            continue
        px_per_mm = (np.hypot(heel["source"]["x"] - head["source"]["x"], heel["source"]["y"] - head["source"]["y"])
                     / max(np.hypot(heel["x_mm"] - head["x_mm"], heel["y_mm"] - head["y_mm"]), 1e-6))
        for name in SHOWN_MARKS:
            mark = found.get(name)
            if mark and "source" in mark:
                picture.marks.append(_mark(side, name, (mark["source"]["x"], mark["source"]["y"]), mark.get("sd_mm"),
                                           px_per_mm, mark.get("how", "")))
    return picture


def _landmarks_of(record: dict, side: str) -> dict:
    """The record's landmarks of the foot a side was designed from."""
    per_side = record.get("per_side_feet") or {}
    return (per_side.get(side) or record)["foot"]["landmarks"]


def plantar_picture(role: str, what: str, foot, landmarks: dict, sensors=None, relief=None) -> Picture:
    """A plantar view of the foot a scan, a plate or an outline gave (one foot per file), with the
    record's ``landmarks`` (canonical mm) placed in the view's pixels through the foot's own frame."""
    from insolegen.outputs.overlay import plantar_view_of

    view = plantar_view_of(foot, sensors, px_per_mm=DESK_PX_PER_MM)
    width, height = view.size
    picture = Picture(role, what, width, height, views={foot.side: (view, foot)}, sensors=sensors, relief=relief)
    for name in SHOWN_MARKS:
        mark = landmarks.get(name)
        if mark is not None:
            xy = view.to_px(foot.to_input(np.array([[mark["x_mm"], mark["y_mm"]]])))[0]
            picture.marks.append(_mark(foot.side, name, xy, mark.get("sd_mm"), DESK_PX_PER_MM, mark.get("how", "")))
    return picture


def pictures_of(server, db, order) -> list[Picture]:
    """Every foot file of an order, drawn with the landmarks of its latest designed revision; none
    for a size or before a revision is designed."""
    from insolegen.case import read_feet
    from insolegen.feet.kinds import foot_kind
    from insolegen.serve.jobs import FOOT_ROLES, request_for

    done = [r for r in order.revisions if r.state == "done"]
    files = [f for f in order.inputs.get("files", []) if f["role"] in FOOT_ROLES]
    if not done or not files:
        return []
    revision = done[-1]
    record = server.record_of(revision)
    out = []
    if any(f["suffix"] not in IMAGES for f in files):
        job = server.job_of(db, revision)
        with tempfile.TemporaryDirectory(prefix="insolegen-picture-") as tmp:
            request = request_for(job, Path(tmp))
            read = read_feet(request)            # the frame and outline the record's landmarks are drawn through
            for item in files:
                if item["suffix"] in IMAGES:
                    continue
                path = Path(tmp) / f"{item['role']}{item['suffix']}"
                kind = foot_kind(path)
                feet = [foot for foot, sides, _ in read if item["role"] in ("foot", *sides)]
                if len(feet) != 1:
                    continue
                sensors = _sensors(path, request.pitch_mm) if kind == "pressure" else None
                relief = _relief(path, feet[0], request.units) if kind == "scan" else None
                out.append(plantar_picture(item["role"], {"scan": "3D scan", "pressure": "pressure plate"}.get(kind, kind),
                                           feet[0], _landmarks_of(record, feet[0].side), sensors, relief))
    for item in files:
        if item["suffix"] in IMAGES:
            out.insert(0, image_picture(item["role"], server.blobs.get(item["sha256"]), record))
    return out


def _sensors(path: Path, pitch_mm: float | None):
    """A plate's sensor centres in its reading plane, their peak pressures and the pitch."""
    from insolegen.feet.pressure import peak_pressure_grid, sensor_centres

    if pitch_mm is None:
        return None
    grid = peak_pressure_grid(path)
    return sensor_centres(grid.shape, pitch_mm), grid.ravel(), pitch_mm


def _relief(path: Path, foot, units: str | None):
    """A scan's surface in the plane its outline was read in (mm) and its height above it (mm):
    points on every triangle about a pixel apart (a scan's vertices alone leave its sparse
    forefoot full of holes), through the foot's own frame back to the file (file = matrix @ plane + offset)."""
    from insolegen.measure.load import load_mesh_file

    frame = foot.source_frame
    if frame is None or frame.matrix.shape != (3, 2):
        return None
    scale = float(np.linalg.norm(frame.matrix[:, 0]))           # file units per mm
    normal = np.cross(frame.matrix[:, 0], frame.matrix[:, 1])
    normal /= np.linalg.norm(normal)
    planes, heights = [], []
    for part in load_mesh_file(path, units).parts:
        points = _on_triangles(part.vertices, part.faces, 1.0 / DESK_PX_PER_MM) * scale - frame.offset
        planes.append(np.linalg.lstsq(frame.matrix, points.T, rcond=None)[0].T)
        heights.append(np.abs(points @ normal) / scale)
    return np.vstack(planes), np.concatenate(heights)


def _on_triangles(vertices: np.ndarray, faces: np.ndarray, spacing_mm: float, most: int = 3_000_000) -> np.ndarray:
    """Points on a mesh's triangles, each split into k x k (k from its longest edge over
    ``spacing_mm``, at most 12) and sampled on that grid; at most about ``most`` points."""
    corners = vertices[faces]
    longest = np.max(np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2), axis=1)
    k = np.clip(np.ceil(longest / spacing_mm), 1, 12).astype(int)
    while (k * k).sum() > most and k.max() > 1:
        k = np.maximum(1, k // 2)
    out = [vertices]
    for n in np.unique(k[k > 1]):
        i, j = np.mgrid[0:n + 1, 0:n + 1]
        keep = i + j <= n
        a, b = i[keep] / n, j[keep] / n                       # barycentric weights of the grid
        tri = corners[k == n]
        out.append((tri[:, None, 0] * (1 - a - b)[None, :, None] + tri[:, None, 1] * a[None, :, None]
                    + tri[:, None, 2] * b[None, :, None]).reshape(-1, 3))
    return np.vstack(out)
