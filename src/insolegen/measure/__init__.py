"""Measuring any insole mesh, from the mesh alone.

This package is the independent oracle of the project: it must not import, or share code
with, the modules that design insoles (only ``insolegen.errors``). ``tests/test_measure.py``
checks that importing and running it loads none of them.
"""
from importlib import import_module

_EXPORTS = {"Measurement": "insolegen.measure.core", "measure_file": "insolegen.measure.core",
            "measure_mesh": "insolegen.measure.core", "DEFINITIONS": "insolegen.measure.definitions"}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    """The names are imported on first use: a submodule (the printers, the definitions) can be
    read without loading the measuring code and numpy."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'insolegen.measure' has no attribute {name!r}")
