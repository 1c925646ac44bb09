"""Measuring an insole: file -> main body -> frame -> quantities, mesh state and a
printability verdict. Uses the mesh alone: nothing here knows how insolegen designs insoles."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import bounds
from insolegen.geometry.topology import merge_vertices, signed_volume
from insolegen.measure.frame import Frame, find_frame
from insolegen.measure.load import load_mesh_file
from insolegen.measure.printing import (
    DEFAULT_MATERIAL,
    DEFAULT_PRINTER,
    WALL_ROUNDING_MM,
    describe_placement,
    fits_on_bed,
    material,
    printer,
)
from insolegen.measure.quantities import measure_quantities
from insolegen.measure.state import Body, MeshState, inspect, main_body

MAX_MEAN_THICKNESS_MM = 30.0  # thicker on average than this is a block or a foot, not an insole
MAX_HEIGHT_OF_LENGTH = 0.3     # taller than this is a foot, a last or a block, not an insole
MAX_WIDTH_OF_LENGTH = 0.7
FOOT_LENGTH_MM = (100.0, 400.0)   # a given foot length outside this is a typo or a wrong unit (as a foot file's)


@dataclass
class Measurement:
    name: str
    quantities: dict
    frame: Frame
    state: MeshState | None
    material: str
    printer: str
    printable: bool
    reasons: list[str]
    warnings: list[str] = field(default_factory=list)
    placement: str = ""          # where the verdict assumed the part lies on the printer's bed

    def as_dict(self) -> dict:
        def clean(v):
            return round(v, 3) + 0.0 if isinstance(v, float) else v   # + 0.0: no "-0.0"
        return {
            "name": self.name,
            "side": self.frame.side,
            **{k: clean(v) for k, v in self.quantities.items()},
            "material": self.material,
            "printer": self.printer,
            "printable": self.printable,
            "placement": self.placement,
            "reasons": list(self.reasons),
            "mesh": None if self.state is None else self.state.as_dict(),
            "frame": self.frame.as_dict(),
            "warnings": list(self.warnings),
        }


def _mesh_reasons(state: MeshState) -> list[str]:
    reasons = []
    if not state.watertight:
        reasons.append("the mesh is not watertight (holes)")
    if state.bodies > 1:
        reasons.append(f"the file holds {state.bodies} separate bodies; the fragments would print too")
    if state.self_intersections:
        reasons.append(f"{state.self_intersections} pairs of faces cross each other (self-intersections)")
    if not state.winding_consistent or not state.outward:
        reasons.append("the faces are not consistently wound outward (flipped normals)")
    return reasons


def _refuse_non_insole(vertices: np.ndarray, frame: Frame, hm, label: str) -> None:
    local = frame.to_frame(vertices)
    lo, hi = bounds(local)
    length, width, height = hi - lo
    thickness = float(np.nanmean((hm.top - hm.bottom)[hm.inside])) if hm.inside.any() else 0.0
    if thickness > MAX_MEAN_THICKNESS_MM:
        raise InvalidInput(f"{label}: not an insole: {thickness:.0f} mm thick on average over its footprint (an insole is "
                           f"at most {MAX_MEAN_THICKNESS_MM:g} mm; the thickest device insolegen makes: about 18); a block or a foot?")
    if height > MAX_HEIGHT_OF_LENGTH * length:
        raise InvalidInput(f"{label}: not an insole: {height:.0f} mm tall for {length:.0f} mm long "
                           f"(an insole is at most {MAX_HEIGHT_OF_LENGTH:.0%} as tall as long); a foot, a last or a block?")
    if width > MAX_WIDTH_OF_LENGTH * length:
        raise InvalidInput(f"{label}: not an insole: {width:.0f} mm wide for {length:.0f} mm long "
                           f"(an insole is long and narrow); a plate or a block?")


def measure_mesh(vertices: np.ndarray, faces: np.ndarray, *, name: str = "mesh", side: str = "auto",
                 material_name: str = DEFAULT_MATERIAL, printer_name: str = DEFAULT_PRINTER,
                 check_intersections: bool = True, check_state: bool = True, label: str | None = None,
                 foot_length_mm: float | None = None, pockets_at=()) -> Measurement:
    """Measure one insole given in mm (vertices (n, 3), faces (m, 3)). ``foot_length_mm``: the
    length of the foot it was made for, when known, so the regions (heel seat, arch, ball) scale
    with the foot rather than with a length estimated from the insole, which an outline offset or
    a trim can fool. ``pockets_at``: where pockets are known to be, as (x, y, radius) in the
    mesh's own coordinates (a design's offload sites), so a pocket over the heel seat is not read
    as the seat. ``check_state=False`` is for a caller that has checked the mesh already (one
    closed body, wound outward, no degenerate faces: ``device.mesh.check_mesh``): the mesh is
    measured as it is, without the report on it or the verdict's mesh reasons."""
    label = label or name
    mat, prn = material(material_name), printer(printer_name)
    vertices, faces = np.asarray(vertices, float), np.asarray(faces, np.int64)
    if check_state:
        vertices, faces = merge_vertices(vertices, faces)
        try:
            body = main_body(vertices, faces)
        except InvalidInput as exc:
            raise InvalidInput(f"{label}: {exc}") from None
    else:        # checked by the caller (device.mesh.check_mesh): one closed body, wound outward
        body = Body(vertices, faces, True, signed_volume(vertices, faces))
    frame, hm = find_frame(body.vertices, body.faces, side)
    _refuse_non_insole(body.vertices, frame, hm, label)      # before the costly checks of the mesh itself
    state = inspect(vertices, faces, check_intersections) if check_state else None
    local = frame.to_frame(body.vertices)
    known = []
    for px, py, r in pockets_at:
        lx, ly, _ = frame.to_frame(np.array([px, py, 0.0]))
        known.append((float(lx), float(frame.medial_sign * ly), float(r)))
    q, notes = measure_quantities(local, hm, frame.medial_sign, foot_length_mm, known)
    volume = body.volume_mm3
    if volume is None:
        step = float(hm.xs[1] - hm.xs[0])
        volume = float(np.nansum(hm.top - hm.bottom) * step * step)
    q["volume_mm3"] = volume
    q["mass_g"] = volume / 1000.0 * mat.density_g_cm3

    reasons = _mesh_reasons(state) if state is not None else ["the mesh itself was not checked (check_state=False)"]
    if q["min_thickness_mm"] is not None and q["min_thickness_mm"] < prn.min_wall_mm - WALL_ROUNDING_MM:
        reasons.append(f"thinnest point {q['min_thickness_mm']:.2f} mm is below the printer's minimum wall {prn.min_wall_mm:g} mm")
    fits, turn = fits_on_bed(local[:, :2], q["height_mm"], prn.build_mm)
    if not fits:
        bx, by, bz = prn.build_mm
        reasons.append(f"{q['length_mm']:.0f} x {q['width_mm']:.0f} x {q['height_mm']:.0f} mm does not fit the "
                       f"build volume {bx:g} x {by:g} x {bz:g} mm at any turn")
    warnings = body.warnings + notes
    if frame.confidence["side"] < 0.3 and side == "auto":
        warnings.append(f"the side ({frame.side}) is a guess (confidence {frame.confidence['side']:.2f}); give --foot-side")
    placement = describe_placement(turn, prn.build_mm) if fits else ""
    return Measurement(name, q, frame, state, material_name, printer_name, not reasons, reasons, warnings, placement)


def measure_file(path: str | Path, *, side: str = "auto", units: str | None = None,
                 material_name: str = DEFAULT_MATERIAL, printer_name: str = DEFAULT_PRINTER,
                 foot_length_mm: float | None = None) -> tuple[list[Measurement], dict]:
    """Measure every insole in a file (a 3MF may hold a pair) from the mesh alone. Returns one
    Measurement per insole (``.quantities`` in mm and degrees, ``.frame.side``, ``.printable``
    and ``.reasons`` on ``printer_name``) and what was read (format, units and how they were decided).

    >>> import pathlib, tempfile, insolegen
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> paths = insolegen.design(insolegen.foot_from_size("EU42"), name="pair").save(out)
    >>> found, info = insolegen.measure_file(out / "pair.3mf")
    >>> info["format"], [(m.frame.side, round(m.quantities["arch_apex_height_mm"], 1)) for m in found]
    ('3mf', [('left', 15.0), ('right', 15.0)])
    """
    if foot_length_mm is not None and not (FOOT_LENGTH_MM[0] <= foot_length_mm <= FOOT_LENGTH_MM[1]):
        raise InvalidInput(f"--foot-length {foot_length_mm:g} mm is not a foot's length "
                           f"(between {FOOT_LENGTH_MM[0]:g} and {FOOT_LENGTH_MM[1]:g} mm)")
    loaded = load_mesh_file(path, units)
    found = []
    for part in loaded.parts:
        name = part.name if len(loaded.parts) > 1 else Path(path).stem
        found.append(measure_mesh(part.vertices, part.faces, name=name, side=side, material_name=material_name,
                                  printer_name=printer_name, label=f"{path} ({part.name})" if len(loaded.parts) > 1 else str(path),
                                  foot_length_mm=foot_length_mm))
    info = {"file": str(path), "format": loaded.format, "units": loaded.units, "units_how": loaded.units_how}
    return found, info
