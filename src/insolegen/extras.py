"""Optional parts and the extras that install them. The core (design, measure, scan) needs none
of them; a verb that does names the extra to install instead of failing on an import."""
from __future__ import annotations

import importlib.util

from insolegen.errors import InvalidInput

# extra -> (the modules it provides, what it is for)
EXTRAS = {
    "preview": (("pyvista", "vtk"), "pictures of the devices (insolegen preview, design --preview)"),
    "report": (("reportlab", "pyvista", "vtk"), "the PDF case report (insolegen report, design/batch --report)"),
    "cluster": (("distributed",), "running a batch on a Dask cluster (batch --scheduler)"),
    "serve": (("fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2", "multipart", "jinja2"),
              "the order service (insolegen serve, insolegen users)"),
}


def missing_modules(extra: str) -> list[str]:
    return [m for m in EXTRAS[extra][0] if importlib.util.find_spec(m) is None]


def require_extra(extra: str) -> None:
    """InvalidInput naming the extra to install when any of its modules is missing."""
    missing = missing_modules(extra)
    if missing:
        raise InvalidInput(f"{EXTRAS[extra][1]} needs the {extra!r} extra ({', '.join(missing)} not installed): "
                           f"pip install 'insolegen[{extra}]'")
