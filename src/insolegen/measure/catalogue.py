"""Materials (for mass) and printers (for the printability verdict): plain data, cheap to
import (``insolegen --help`` lists them without loading numpy).

Densities are of the solid material, as printed fully dense; a part printed with infill weighs
less. Values are the manufacturers' published datasheet figures, rounded to 0.01 g/cm3.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    density_g_cm3: float
    what: str
    source: str


MATERIALS = {
    "tpu95a": Material(1.22, "TPU 95A, flexible filament (FDM)", "Ultimaker TPU 95A technical data sheet"),
    "pa12": Material(1.01, "PA 12, multi jet fusion powder", "HP 3D High Reusability PA 12 datasheet (part density)"),
    "pa12-sls": Material(0.93, "PA 12 (PA 2200), laser sintered", "EOS PA 2200 material data sheet (laser-sintered part density)"),
    "eva": Material(0.94, "EVA copolymer, solid (not foamed)", "DuPont Elvax EVA resins, typical density 0.93-0.95"),
    "pla": Material(1.24, "PLA filament (FDM)", "NatureWorks Ingeo 4043D technical data sheet"),
    "petg": Material(1.27, "PETG filament (FDM)", "Eastman Eastar 6763 copolyester data sheet"),
    "pp": Material(0.90, "polypropylene", "typical homopolymer PP (0.90-0.91 g/cm3)"),
}
DEFAULT_MATERIAL = "tpu95a"


@dataclass(frozen=True)
class Printer:
    build_mm: tuple[float, float, float]
    min_wall_mm: float
    what: str


PRINTERS = {
    "generic": Printer((300.0, 300.0, 300.0), 1.0, "a lab printer that takes a full-length insole: 300 mm cube, 1 mm walls"),
    "prusa-mk4": Printer((250.0, 210.0, 220.0), 0.8, "Original Prusa MK4, 0.4 mm nozzle (two perimeters)"),
    "bambu-x1c": Printer((256.0, 256.0, 256.0), 0.8, "Bambu Lab X1 Carbon, 0.4 mm nozzle (two perimeters)"),
    "formlabs-fuse1": Printer((165.0, 165.0, 300.0), 0.7, "Formlabs Fuse 1 (SLS, nylon)"),
    "hp-mjf-5200": Printer((380.0, 284.0, 380.0), 1.0, "HP Jet Fusion 5200 (MJF); 1 mm for flexible parts"),
}
DEFAULT_PRINTER = "generic"
