"""Measuring any insole mesh, from the mesh alone.

This package is the independent oracle of the project: it must not import, or share code
with, the modules that design insoles (only ``insolegen.errors``). ``tests/test_measure.py``
checks that importing and running it loads none of them.
"""
from insolegen.measure.core import Measurement, measure_file, measure_mesh
from insolegen.measure.quantities import DEFINITIONS

__all__ = ["Measurement", "measure_file", "measure_mesh", "DEFINITIONS"]
