"""The package's layout keeps its promise: stages import only downward
(cli -> {console, serve -> batch} -> case -> {outputs -> device, shoe} -> feet -> measure -> geometry; outputs read only the
feature declarations of device), with no cycles, function-level
imports included."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "insolegen"

# stage -> what it may import (besides itself and the shared leaves errors, extras, limits, __version__)
ALLOWED = {
    "geometry": set(),                             # arrays, polygons, rasters, ramps: shared by design and measure
    "measure": {"geometry"},
    "feet": {"measure", "geometry"},
    "device": {"feet", "measure", "geometry"},
    "shoe": {"feet", "measure", "geometry"},       # the sock-liner: read as the feet are, fitted on the foot
    "outputs": {"device", "feet", "measure", "geometry"},   # device: only its feature declarations (below)
    "case": {"shoe", "device", "outputs", "feet", "measure", "geometry"},
    "batch": {"shoe", "case", "device", "outputs", "feet", "measure", "geometry"},
    "console": {"outputs", "measure"},             # what the command line prints
    "serve": {"shoe", "batch", "case", "device", "outputs", "feet", "measure", "geometry"},   # the order service
    "cli": {"shoe", "console", "serve", "batch", "case", "device", "outputs", "feet", "measure", "geometry"},
}
LEAVES = {"errors", "extras", "limits", "record", "__init__"}


def stage_of(module: str) -> str:
    """insolegen.feet.read -> feet; insolegen.case -> case; insolegen -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "insolegen":
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if (PACKAGE / Path(*node.module.split(".")[1:]) / f"{a.name}.py").exists())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "insolegen")
    return found


def modules() -> dict[str, Path]:
    return {"insolegen." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


def test_every_stage_imports_only_the_stages_below_it():
    wrong = []
    for module, path in modules().items():
        stage = stage_of(module)
        if stage in LEAVES:
            continue
        assert stage in ALLOWED, f"{module}: a module outside the known stages; add it to the layout"
        for target in imports_of(path):
            other = stage_of(target)
            if other != stage and other not in LEAVES and other not in ALLOWED[stage]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports against the pipeline:\n" + "\n".join(wrong)


def test_outputs_read_only_the_feature_declarations_of_the_design():
    """A picture, a report or a view draws a record: from the design it may read how each feature
    names and says itself (device.features), never make or measure anything."""
    reached = {t for m, p in modules().items() if stage_of(m) == "outputs" for t in imports_of(p) if stage_of(t) == "device"}
    assert reached and all(t.startswith("insolegen.device.features") for t in reached), sorted(reached)


def test_the_shared_leaves_import_no_stage():
    for leaf in ("errors", "extras", "limits"):
        assert {stage_of(t) for t in imports_of(PACKAGE / f"{leaf}.py")} <= {"errors", "__init__"}


def test_no_import_cycles_between_modules():
    graph = {m: {t for t in imports_of(p) if t in modules() and t != m} for m, p in modules().items()}
    graph = {m: {t for t in ts if not t.endswith("__init__")} for m, ts in graph.items()}
    state: dict[str, int] = {}

    def visit(m, trail):
        if state.get(m) == 1:
            raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(m):] + [m]))
        if state.get(m) == 2:
            return
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if t != "insolegen":           # the package's lazy __init__ imports nothing at import time
                visit(t, trail + [m])
        state[m] = 2

    for m in sorted(graph):
        visit(m, [])


def test_the_stages_are_folders_a_newcomer_sees():
    for stage in ("geometry", "feet", "device", "measure", "outputs", "batch", "serve"):
        assert (PACKAGE / stage / "__init__.py").is_file()
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "case.py", "cli.py", "console.py", "errors.py", "extras.py",
                                                              "limits.py", "record.py"]
