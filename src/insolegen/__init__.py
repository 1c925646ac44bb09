"""insolegen: custom orthotic insoles from a foot and a prescription.

The Python API is the command line's, as functions (the CLI is a thin shell over them)::

    import insolegen

    foot = insolegen.read_foot("scan.stl")              # or insolegen.foot_from_size("EU42")
    rx = insolegen.load_prescription("pronation-mild", ["arch.height_mm=20"])
    case = insolegen.design(foot, rx, name="pat042")     # verified; nothing written yet
    case.save("out/")                                    # pat042_left.stl, _right.stl, .3mf, .json
    found, info = insolegen.measure_file("out/pat042_right.stl")

Feet (``insolegen.feet``): ``read_foot`` reads any foot file (outline .csv .json .svg .dxf,
3D scan .stl .ply .obj, footprint image .png .jpg, pressure recording .csv) into a ``Foot`` in the
canonical frame (right foot, heel at x = 0, +x toward the toes, +y medial, mm);
``foot_from_size`` makes one from a shoe size; ``foot_kind`` says what a file is;
``read_pressure_map(path, pitch_mm, foot)`` puts a pressure recording on a foot (registered to
its outline, refused when it does not fit) for ``design(..., pressure=)``.

Prescriptions (``insolegen.device``): ``load_prescription(profile, overrides)`` validates a
profile (a name from ``list_profiles()`` or a TOML file) with ``section.field=value`` overrides.

Design (``insolegen.case``): ``design(foot, prescription, sides=..., name=..., formats=...)``
builds, checks and measures the devices and returns a ``CaseResult``: ``.devices`` (side ->
vertices, faces), ``.record`` (the design record), ``.verification`` (prescribed beside
measured), ``.files`` (name -> bytes) and ``.save(out, force=False)``. ``design_case`` does
the same from a ``CaseRequest`` (a foot file or a size and every CLI option).

Measuring (``insolegen.measure``, which imports none of the design code): ``measure_file(path)``
-> ([Measurement per insole in the file], file info); ``measure_mesh(vertices, faces)``.

Looking (``insolegen.outputs``): ``view_html(load_preview_input("out/pat042.json"))`` is the
self-contained 3D view's page text (``preview --html``); ``write_index(OUT)`` rebuilds a batch's
review page, OUT/index.html (``insolegen review``).

Errors: every refusal is an ``InsolegenError``: ``InvalidInput`` (the message names the field,
value and range, or the file and line) or ``DesignFailed``.

The names are imported on first use, so ``import insolegen`` is cheap and ``insolegen.measure``
can be used without loading the design code.

>>> import insolegen
>>> sorted(insolegen.list_profiles())[:3]
['cavus', 'diabetic-accommodative', 'flat-foot']
"""
from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "InsolegenError": "insolegen.errors", "InvalidInput": "insolegen.errors", "DesignFailed": "insolegen.errors",
    "Foot": "insolegen.feet.foot", "ArchMeasurements": "insolegen.feet.foot",
    "read_foot": "insolegen.feet.read", "foot_kind": "insolegen.feet.kinds",
    "foot_from_size": "insolegen.feet.footshape",
    "read_pressure_map": "insolegen.feet.pressure", "PressureMap": "insolegen.feet.pressure",
    "Prescription": "insolegen.device.prescription",
    "load_prescription": "insolegen.device.profiles", "list_profiles": "insolegen.device.profiles",
    "design": "insolegen.case", "CaseResult": "insolegen.case",
    "CaseRequest": "insolegen.case", "design_case": "insolegen.case",
    "measure_file": "insolegen.measure", "measure_mesh": "insolegen.measure", "Measurement": "insolegen.measure",
    "load_preview_input": "insolegen.outputs.preview", "view_html": "insolegen.outputs.webview",
    "write_index": "insolegen.batch.review",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'insolegen' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
