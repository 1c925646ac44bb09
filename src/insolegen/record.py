"""The design record, typed: what a case's CASE.json holds, as a pydantic model with a schema
version. A record is checked against it as it is written (a record that does not fit is a bug,
never a file) and as it is read back (preview, view, report, review): a record edited by hand,
cut short or from a newer insolegen is refused naming the field. Labs that integrate read the
same model as JSON Schema, published in the repository (``docs/record.schema.json``).

Sections whose contents another model already owns stay open dictionaries: the prescription (the
prescription's own schema), the measurement (``insolegen measure``'s quantities), the foot's
population figures and indices.

Versions: 1, records before this model (no ``schema_version``), are read as they are when they
fit it; 2 adds ``schema_version``, ``derived.features`` and the total-contact split of a check.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from insolegen.errors import DesignFailed, InvalidInput

SCHEMA_VERSION = 2
Side = Literal["left", "right"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)      # "yes" is not a bool, "12" not a number


class _Open(BaseModel):
    """A section that may carry fields a later release adds (read, and kept)."""
    model_config = ConfigDict(extra="allow", strict=True)


class Tool(_Closed):
    name: Literal["insolegen"]
    version: str


class Inputs(_Open):
    foot: dict[str, Any] = Field(description="what the foot came from: a size, a file (name and sha256), two files")
    foot_side: Side | None = None
    sides: list[Side] = Field(min_length=1)
    contour: Literal["flat", "scan"]
    profile: str | None = None
    overrides: list[str] = []


class Measure(_Open):
    value_mm: float


class Landmark(_Open):
    x_mm: float = Field(description="from the heel, along the foot (mm)")
    y_mm: float = Field(description="across the foot, + medial (mm)")
    how: str = Field(description="how it was found: clinician pin, relief, outline, proportion, ...")
    uncertainty_mm: float | None = None


class FootSection(_Open):
    source: str
    side: Side
    side_how: str
    side_confidence: float | None = None
    measures: dict[str, Measure]
    landmarks: dict[str, Landmark]
    warnings: list[str] = []
    notes: list[str] = []


class Derived(_Open):
    arch: dict[str, float | str] = Field(description="the arch as designed: apex, start, end, width, height, and how")
    features: dict[str, Any] = Field(default={}, description="where each prescribed feature was made, and how big")
    device_outline_mm: list[list[float]]


class MeshChecks(_Closed):
    watertight: bool
    winding_consistent: bool
    outward: bool
    bodies: int
    volume_mm3: float
    degenerate_faces: int
    duplicate_faces: int
    min_thickness_mm: float
    min_thickness_required_mm: float
    passed: bool


class DeviceSection(_Closed):
    files: dict[str, str] = Field(description="file name -> sha256 of the files that carry this device")
    vertices: int
    faces: int
    length_mm: float
    width_mm: float
    height_mm: float
    bounds_mm: list[list[float]]
    checks: MeshChecks


class CheckRow(_Closed):
    quantity: str
    prescribed: float | None = Field(description="what the device must measure")
    measured: float | None
    tolerance: float
    compared: bool
    ok: bool
    note: str | None = None
    rx_amount: float | None = Field(default=None, description="total contact: the prescription's own amount")
    from_scan: float | None = Field(default=None, description="total contact: the scanned sole's own value")


class Verification(_Open):
    measured_by: str
    device: Side
    checks: list[CheckRow]
    measurement: dict[str, Any]


class PerSide(_Open):
    foot: FootSection
    derived: Derived
    prescribed_vs_measured: Verification


class ShoeRegistration(_Open):
    turn_deg: float
    shift_mm: float
    residual_mm: float = Field(description="RMS of the liner's and the foot's midlines' distance over the heel and the ball")
    how: str


class ShoeSection(_Open):
    """The shoe's sock-liner the device was cut to (``--shoe``), in the foot's canonical frame."""
    file: str
    sha256: str
    side: Side
    side_how: str
    length_mm: float
    registration: ShoeRegistration
    allowances_mm: dict[str, float]
    liner_mm: list[list[float]]


class StyleLimit(_Closed):
    field: str
    most: float
    why: str
    source: str


class ShoeStyleSection(_Open):
    """The shoe style (``shoe.style``), its published limits, and what ``--accept-shoe`` made beyond them."""
    style: str
    limits: list[StyleLimit]
    accepted_beyond: list[str] = Field(description="each field beyond its limit, made with --accept-shoe (a warning)")


class DesignRecord(_Open):
    """One case's design record (CASE.json)."""
    schema_version: int = SCHEMA_VERSION
    tool: Tool
    case: str
    inputs: Inputs
    prescription: dict[str, Any]
    foot: FootSection
    derived: Derived
    devices: dict[Side, DeviceSection] = Field(min_length=1)
    frame: str
    printing: dict[str, Any] | None = None
    prescribed_vs_measured: Verification
    per_side_feet: dict[Side, PerSide] | None = None
    feet_compared: dict[str, Any] | None = None
    contour: dict[str, Any] | None = None
    shoe: ShoeSection | None = None
    shoe_style: ShoeStyleSection | None = None


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the record"
    return f"{where}: {error['msg'].lower()}"


def checked(record: dict) -> dict:
    """``record`` with its schema version first, once it fits the model; a record that does not
    fit is a bug in the writer (DesignFailed), never written."""
    record = {"schema_version": SCHEMA_VERSION, **{k: v for k, v in record.items() if k != "schema_version"}}
    try:
        DesignRecord.model_validate(record)
    except ValidationError as exc:
        raise DesignFailed(f"the design record does not fit its schema ({_first_problem(exc)})") from None
    return record


def read_record(path: Path, text: bytes | str | None = None) -> dict:
    """The design record in ``path`` (``text``: its bytes, when read already), checked against the
    model: InvalidInput naming the file and the first field that does not fit."""
    try:
        doc = json.loads(path.read_bytes() if text is None else text)
    except (OSError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{path}: not a readable design record ({exc})") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{path}: not a design record (a JSON object)")
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise InvalidInput(f"{path}: design record schema {version!r} is newer than this insolegen reads "
                           f"(up to {SCHEMA_VERSION}); update insolegen")
    try:
        DesignRecord.model_validate(doc)
    except ValidationError as exc:
        raise InvalidInput(f"{path}: the design record does not fit schema {version} ({_first_problem(exc)}); "
                           "was it edited by hand?") from None
    return doc


def json_schema() -> dict:
    """The record's JSON Schema, as published in ``docs/record.schema.json``."""
    schema = DesignRecord.model_json_schema()
    schema["$id"] = "https://insolegen.example/record.schema.json"
    schema["title"] = f"insolegen design record, schema {SCHEMA_VERSION}"
    return schema


if __name__ == "__main__":      # python -m insolegen.record > docs/record.schema.json
    print(json.dumps(json_schema(), indent=2))
