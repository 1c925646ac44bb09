"""insolegen: custom orthotic insoles from a foot and a prescription.

Public entry points::

    from insolegen import design_pair, load_prescription, foot_from_size, read_outline
    from insolegen.measure import measure_file

The names below are imported on first use, so that ``insolegen.measure`` (the independent
oracle) can be imported without pulling in any of the code that designs insoles.
"""
from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "InsolegenError": "insolegen.errors", "InvalidInput": "insolegen.errors", "DesignFailed": "insolegen.errors",
    "Prescription": "insolegen.prescription", "load_prescription": "insolegen.prescription",
    "Foot": "insolegen.outline", "foot_from_points": "insolegen.outline",
    "foot_from_size": "insolegen.footshape", "read_outline": "insolegen.outline_io",
    "Design": "insolegen.design", "design_pair": "insolegen.design",
    "CaseRequest": "insolegen.case", "design_case": "insolegen.case",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'insolegen' has no attribute {name!r}")
