from __future__ import annotations

import os
import subprocess
import sys
from functools import lru_cache

from oracle import load_stl

from insolegen.case import CaseRequest, design_case
from insolegen.feet.foot import ArchMeasurements


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """`insolegen ARGS...` in a fresh Python process: exit code, stdout and stderr as text."""
    return subprocess.run([sys.executable, "-m", "insolegen.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def run_cli_headless(*args) -> subprocess.CompletedProcess:
    """`insolegen ARGS...` as on a headless server: no DISPLAY, so VTK renders through OSMesa."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    return subprocess.run([sys.executable, "-m", "insolegen.cli", *map(str, args)], capture_output=True, text=True, env=env)


@lru_cache(maxsize=64)
def designed(size="EU42", overrides=(), width="medium", profile=None, arch=None):
    """(CaseResult, {side: trimesh read back from the STL bytes})."""
    request = CaseRequest(size=size, width=width, overrides=tuple(overrides), profile=profile,
                          arch=ArchMeasurements(**dict(arch)) if arch else ArchMeasurements())
    result = design_case(request)
    meshes = {side: load_stl(result.files[f"{result.name}_{side}.stl"]) for side in ("left", "right")}
    return result, meshes
