"""insolegen: custom orthotic insoles from a foot and a prescription.

Public entry points::

    from insolegen import design_pair, load_prescription, foot_from_size, read_outline
"""
__version__ = "0.1.0"

from insolegen.errors import InsolegenError, InvalidInput, DesignFailed  # noqa: E402
from insolegen.prescription import Prescription, load_prescription  # noqa: E402
from insolegen.outline import Foot, foot_from_points  # noqa: E402
from insolegen.footshape import foot_from_size  # noqa: E402
from insolegen.outline_io import read_outline  # noqa: E402
from insolegen.design import Design, design_pair  # noqa: E402
from insolegen.case import CaseRequest, design_case  # noqa: E402

__all__ = [
    "__version__", "InsolegenError", "InvalidInput", "DesignFailed", "Prescription",
    "load_prescription", "Foot", "foot_from_points", "foot_from_size", "read_outline",
    "Design", "design_pair", "CaseRequest", "design_case",
]
