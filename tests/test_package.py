"""The package as a user installs it: a wheel built from this checkout, installed with its core
dependencies only into a fresh venv, run from another folder."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*cmd, cwd=None, env=None):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin folder, a working folder outside the checkout, the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    # built from a copy of what a wheel is made of: setuptools writes build/ into the tree it
    # builds, and two test workers building in the checkout at once collide there
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    r = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", source)
    assert r.returncode == 0, r.stderr
    wheel = next((tmp / "dist").glob("insolegen-*.whl"))
    # a venv without a pip of its own (ensurepip's copy is seconds): this pip installs into it
    r = _run(sys.executable, "-m", "venv", "--without-pip", tmp / "venv")
    assert r.returncode == 0, r.stderr
    bin_dir = tmp / "venv" / "bin"
    # the core: no extras. --no-compile: pip's byte-compiling of numpy, scipy and the rest is half
    # the install's time here; Python compiles what a run imports as it imports it
    r = _run(sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "-q", "--no-compile", wheel)
    assert r.returncode == 0, r.stderr
    work = tmp / "elsewhere"
    work.mkdir()
    return bin_dir, work, wheel


@pytest.mark.slow
def test_the_wheel_carries_the_profiles_and_nothing_of_the_checkout(installed):
    _, _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    profiles = {Path(n).stem for n in names if n.startswith("insolegen/device/profiles/") and n.endswith(".toml")}
    assert {"neutral", "pronation-mild", "sport-shell"} <= profiles and len(profiles) == 12
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "examples/"))]
    # the HTML view's page, script and vendored three.js with its licence
    assert {"viewer.html", "viewer.js", "review.html", "three.min.js", "three.LICENSE", "three.VERSION"} <= {
        Path(n).name for n in names if n.startswith("insolegen/outputs/web/")}


@pytest.mark.slow
def test_an_installed_wheel_designs_from_another_folder(installed):
    bin_dir, work, _ = installed
    r = _run(bin_dir / "insolegen", "profiles", cwd=work)
    assert r.returncode == 0 and "pronation-moderate" in r.stdout, r.stderr
    r = _run(bin_dir / "insolegen", "design", "--profile", "pronation-mild", "--out", "out", cwd=work)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (work / "out").iterdir()) == [
        "EU42_medium.3mf", "EU42_medium.json", "EU42_medium_left.stl", "EU42_medium_right.stl"]
    r = _run(bin_dir / "insolegen", "preview", "out/EU42_medium.json", "--html", "view.html", cwd=work)
    assert r.returncode == 0 and (work / "view.html").stat().st_size > 500_000, r.stderr      # no extra needed
    r = _run(bin_dir / "insolegen", "measure", "out/EU42_medium_right.stl", "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    assert abs(json.loads(r.stdout)["rearfoot_post_deg"] - 2.0) < 0.5       # pronation-mild's 2° varus post, measured
    code = ("import insolegen, pathlib; c = insolegen.design(insolegen.foot_from_size('EU38'), 'cavus', name='api');"
            "print(len(c.save('api_out')), insolegen.__file__)")
    r = _run(bin_dir / "python", "-c", code, cwd=work)
    assert r.returncode == 0 and r.stdout.startswith("4 ") and str(ROOT) not in r.stdout, r.stdout + r.stderr


@pytest.mark.slow
def test_a_core_install_names_the_extra_a_verb_needs(installed):
    bin_dir, work, _ = installed
    for module in ("vtk", "pyvista", "reportlab", "distributed", "fastapi", "sqlalchemy"):
        r = _run(bin_dir / "python", "-c", f"import {module}")
        assert r.returncode != 0, f"{module} is in the core install"
    _run(bin_dir / "insolegen", "design", "--out", "extras", "-q", cwd=work)
    for args, extra in ((("preview", "extras/EU42_medium.json", "--out", "p.png"), "preview"),
                        (("report", "extras/EU42_medium.json"), "report"),
                        (("design", "--out", "extras2", "--preview"), "preview"),
                        (("batch", "nowhere", "--out", "b", "--scheduler", "tcp://127.0.0.1:9"), "cluster"),
                        (("serve", "--data", "lab"), "serve"),
                        (("users", "add", "ann", "--clinic", "C", "--role", "admin", "--data", "lab", "--password-stdin"), "serve")):
        r = _run(bin_dir / "insolegen", *args, cwd=work)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert f"pip install 'insolegen[{extra}]'" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (work / "p.png").exists() and not (work / "extras2").exists() and not (work / "lab").exists()
