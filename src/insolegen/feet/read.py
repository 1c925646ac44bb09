"""One way in for every foot file: ``read_foot`` reads it into a canonical ``Foot`` with the
reader for its kind (``insolegen.feet.kinds.foot_kind``). The readers are imported only for the
kind at hand, so reading an outline never loads the image or scan code.
"""
from __future__ import annotations

from pathlib import Path

from insolegen.errors import InvalidInput
from insolegen.feet.foot import ArchMeasurements, Foot
from insolegen.feet.kinds import foot_kind


def read_foot(path: str | Path, *, units: str | None = None, side: str | None = None,
              arch: ArchMeasurements | None = None, dpi: float | None = None,
              pitch_mm: float | None = None) -> Foot:
    """Read any foot file into the canonical frame (right foot, heel at x = 0, +y medial).

    ``units`` overrides an outline's or scan's units; ``side`` ("left"/"right") wins over the
    file's or the detected side (in an image of two feet it picks the foot); ``arch`` fields given
    here win over the file's; ``dpi`` overrides an image's scale; ``pitch_mm`` is a pressure
    plate's sensor pitch (required for pressure recordings, which do not store it).

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from insolegen import foot_from_size, read_foot
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tracing.csv"
    >>> np.savetxt(path, foot_from_size("EU42").outline * [1, -1], delimiter=",")   # a left foot, x, y in mm
    >>> foot = read_foot(path)
    >>> foot.side, foot.side_how, round(foot.length_mm)
    ('left', 'detected', 265)
    >>> read_foot(path.with_suffix(".txt"))
    Traceback (most recent call last):
    insolegen.errors.InvalidInput: ...tracing.txt: no such file
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    kind = foot_kind(path)
    if kind == "pressure":
        from insolegen.feet.pressure import foot_from_pressure

        return with_given_arch(foot_from_pressure(path, pitch_mm, side), arch)
    if kind == "image":
        from insolegen.feet.image import feet_from_image, pick_foot

        return with_given_arch(pick_foot(feet_from_image(path, dpi)[1], side, path), arch)
    if kind == "scan":
        from insolegen.feet.scan3d import read_scan

        return with_given_arch(read_scan(path, units, side).foot, arch)
    from insolegen.feet.outline_files import foot_from_outline_file

    return foot_from_outline_file(path, units, side, arch)


def with_given_arch(foot: Foot, arch: ArchMeasurements | None) -> Foot:
    """The foot's arch measurements, with those given (not None) taking their place."""
    if arch is None or arch.is_empty():
        return foot
    return foot.with_arch(foot.arch.updated(arch))
