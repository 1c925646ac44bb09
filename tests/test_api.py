"""The documented Python API: every public name resolves, and every docstring example runs."""
from __future__ import annotations

import doctest
import importlib

import insolegen

# the public names whose docstrings carry an example (the package's own docstring included)
DOCUMENTED = ["read_foot", "foot_kind", "foot_from_size", "load_prescription", "design", "measure_file"]


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(recurse=False)
    tests = finder.find(insolegen, "insolegen")
    for name in DOCUMENTED:
        tests += finder.find(getattr(insolegen, name), f"insolegen.{name}", globs={})
    tests += finder.find(insolegen.CaseResult.save, "insolegen.CaseResult.save", globs={})
    return [t for t in tests if t.examples]


def test_every_public_name_resolves_and_has_a_docstring():
    for name in insolegen.__all__:
        value = getattr(insolegen, name)
        assert name == "__version__" or (value.__doc__ or "").strip(), f"insolegen.{name} has no docstring"
    assert set(dir(insolegen)) >= set(insolegen.__all__)


def test_every_docstring_example_runs():
    tests = _examples()
    assert len(tests) == len(DOCUMENTED) + 2, [t.name for t in tests]     # each documented name, the package, save
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} doctest examples failed (see above)"
    assert results.attempted >= 20


def test_the_measure_package_stands_alone():
    """insolegen.measure is the oracle: importing it loads none of the design code."""
    import subprocess
    import sys

    code = ("import sys, insolegen.measure; "
            "print(sorted(m for m in sys.modules if m.startswith(('insolegen.device', 'insolegen.feet', 'insolegen.case'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr
    importlib.import_module("insolegen.measure")
