"""The `insolegen` command as a user runs it: files, exit codes, messages."""
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import trimesh
from helpers import run_cli as run

ROOT = Path(__file__).resolve().parents[1]


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_default_design_writes_the_pair_and_is_byte_identical(tmp_path):
    r = run("design", "--out", tmp_path / "a")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["EU42_medium.3mf", "EU42_medium.json", "EU42_medium_left.stl", "EU42_medium_right.stl"]
    assert "passed" in r.stdout
    assert run("design", "--out", tmp_path / "b").returncode == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")

    right = trimesh.load(tmp_path / "a" / "EU42_medium_right.stl")
    assert right.is_watertight and right.volume > 0
    assert right.bounds[1, 0] - right.bounds[0, 0] == pytest.approx(265.0, abs=0.5)
    scene = trimesh.load(tmp_path / "a" / "EU42_medium.3mf")
    assert sorted(scene.geometry) == ["EU42_medium_left", "EU42_medium_right"]
    for geom in scene.geometry.values():
        assert geom.is_watertight and geom.volume == pytest.approx(right.volume, rel=1e-4)
    # a slicer scales by the model's unit: it must say millimetres, the numbers being mm
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(tmp_path / "a" / "EU42_medium.3mf") as package:
        model = ElementTree.fromstring(package.read("3D/3dmodel.model"))
    assert model.get("unit") == "millimeter"

    record = json.loads((tmp_path / "a" / "EU42_medium.json").read_text())
    assert record["tool"]["name"] == "insolegen"
    assert record["inputs"]["foot"] == {"kind": "size", "size": "EU42", "width": "medium"}
    assert record["prescription"]["arch"]["height_mm"] == 15.0
    assert record["foot"]["landmarks"]["ball_medial"]["how"] in ("outline", "proportion")     # fused: the prior weighs most
    assert record["foot"]["landmarks"]["mth1_head"]["how"] == "proportion"
    assert record["devices"]["right"]["checks"]["passed"] is True
    stl_hash = hashlib.sha256((tmp_path / "a" / "EU42_medium_right.stl").read_bytes()).hexdigest()
    assert record["devices"]["right"]["files"]["EU42_medium_right.stl"] == stl_hash


def test_existing_outputs_need_force(tmp_path):
    assert run("design", "--out", tmp_path, "--format", "stl").returncode == 0
    r = run("design", "--out", tmp_path, "--format", "stl")
    assert r.returncode == 1 and "exists; use --force" in r.stderr
    assert run("design", "--out", tmp_path, "--format", "stl", "--force", "-q").returncode == 0


def test_invalid_prescription_exits_1_names_the_field_and_writes_nothing(tmp_path):
    r = run("design", "--out", tmp_path / "x", "--set", "arch.height_mm=50")
    assert r.returncode == 1
    assert "arch.height_mm = 50 is out of range 5 … 40 mm" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()


def test_usage_error_exits_2(tmp_path):
    assert run("design", "--no-such-option").returncode == 2


@pytest.mark.parametrize("command, option, bad", [
    ("design", "--side", "up"), ("design", "--width", "huge"), ("design", "--units", "furlong"),
    ("design", "--foot-side", "both"), ("design", "--contour", "bumpy"), ("design", "--printer", "nope"),
    ("design", "--material", "wood"), ("design", "--pressure-unit", "bar"), ("scan", "--foot-side", "up"),
    ("preview", "--view", "under"), ("preview", "--color", "red"), ("measure", "--foot-side", "up")])
def test_every_bad_option_value_exits_2_naming_the_option_and_nothing_is_written(tmp_path, command, option, bad):
    target = [] if command == "design" else [ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl"]
    r = run(command, *target, option, bad, "--out", tmp_path / "out") if command != "measure" else run(command, *target, option, bad)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert option in r.stderr and repr(bad) in r.stderr
    assert not (tmp_path / "out").exists()


def test_choices_are_listed_in_the_help_matched_ignoring_case_and_dash_v_prints_the_version(tmp_path):
    help_text = run("design", "--help").stdout
    for listed in ("<narrow|medium|wide>", "<left|right|both>", "<mm|cm|m|in>", "<flat|scan>", "<kpa|n/cm2|psi>"):
        assert listed in help_text.lower()
    r = run("design", "--width", "WIDE", "--side", "Left", "--format", "json", "--out", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "EU42_wide.json").read_text())
    assert record["inputs"]["foot"]["width"] == "wide" and record["inputs"]["sides"] == ["left"]
    for flag in ("-V", "--version"):
        r = run(flag)
        assert r.returncode == 0 and r.stdout.startswith("insolegen ")


@pytest.mark.parametrize("columns", ["50", "80", "200"])
def test_help_examples_are_never_broken_mid_command(columns):
    """Every example command in every command's help stands whole on one line at any width."""
    import os

    from insolegen.cli import app

    env = {**os.environ, "COLUMNS": columns}
    for command in ("design", "scan", "profiles", "preview", "report", "batch", "review", "measure"):
        help_text = run(command, "--help", env=env).stdout
        epilog = next(c for c in app.registered_commands if (c.name or c.callback.__name__) == command).epilog
        examples = [line.split("  # ")[0].split("   # ")[0].strip() for line in epilog.splitlines()
                    if line.startswith("  insolegen")]
        assert examples, command
        shown = [line.strip() for line in help_text.splitlines()]
        for example in examples:
            assert example in shown, (command, columns, example)


def test_quiet_prints_nothing_and_formats_select_files(tmp_path):
    r = run("design", "--size", "US9M", "--format", "3mf", "--side", "left", "--out", tmp_path, "-q")
    assert r.returncode == 0 and r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["US9M_medium.3mf"]     # exactly the format asked for
    assert list(trimesh.load(tmp_path / "US9M_medium.3mf").geometry) == ["US9M_medium_left"]
    r = run("design", "--size", "US9M", "--format", "stl,json", "--out", tmp_path / "b", "-q")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["US9M_medium.json", "US9M_medium_left.stl",
                                                                   "US9M_medium_right.stl"]
    r = run("design", "--format", "stl,obj", "--out", tmp_path / "c")
    assert r.returncode == 1 and "stl, 3mf, json" in r.stderr and not (tmp_path / "c").exists()


def test_design_from_a_real_scan_outline_file(tmp_path):
    src = ROOT / "tests" / "data" / "dupontgu_left_sole_outline.csv"
    r = run("design", src, "--units", "m", "--out", tmp_path, "--name", "dupontgu", "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["foot"]["side"] == "left" and record["foot"]["side_how"] == "detected"
    assert record["inputs"]["foot"]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()


def test_missing_file_and_bad_units_are_clear(tmp_path):
    r = run("design", tmp_path / "nope.csv", "--out", tmp_path)
    assert r.returncode == 1 and "no such file" in r.stderr


def test_profiles_command_lists_and_shows():
    r = run("profiles")
    assert r.returncode == 0 and "pronation-moderate" in r.stdout
    r = run("profiles", "pronation-moderate", "--json")
    assert json.loads(r.stdout)["prescription"]["rearfoot_post"]["angle_deg"] == 4.0
    r = run("profiles", "--fields", "--json")
    fields = {row["field"] for row in json.loads(r.stdout)}
    assert {"arch.height_mm", "arch.fill_frac", "heel_cup.depth_mm", "rearfoot_post.kind", "device.mode"} <= fields


def test_help_has_examples():
    r = run("design", "--help")
    assert r.returncode == 0 and "insolegen design --size EU42 --profile pronation-moderate" in r.stdout


@pytest.mark.slow
def test_slicer_tools_accept_the_files(tmp_path):
    """Real consumers: admesh and PrusaSlicer (Debian packages, installed by .ci/run)."""
    for tool in ("admesh", "prusa-slicer"):
        assert shutil.which(tool), f"{tool} is missing: install it as .ci/run does (apt-get install admesh prusa-slicer)"
    assert run("design", "--out", tmp_path, "-q", "--set", "rearfoot_post.angle_deg=5").returncode == 0
    r = subprocess.run(["admesh", str(tmp_path / "EU42_medium_right.stl")], capture_output=True, text=True)
    assert r.returncode == 0
    for line in ("Number of parts       :     1", "Backwards edges       :     0", "Degenerate facets     :     0",
                 "Total disconnected facets        :     0"):
        assert line in r.stdout
    r = subprocess.run(["prusa-slicer", "--info", str(tmp_path / "EU42_medium.3mf")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("manifold = yes") == 2 and r.stdout.count("number_of_parts =  1") == 2


def _design_on_a_terminal(*args) -> tuple[int, bytes, bytes]:
    """`insolegen design ARGS` with stderr on a pseudo-terminal (as a person at a terminal sees it)
    and stdout on a pipe: (exit code, what the terminal showed, stdout). A fresh Python, not a
    fork of the CLI server: the consoles learn at import whether stderr is a terminal."""
    import os
    import pty
    import sys
    import tempfile

    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", COLUMNS="100")
    stdout_file = tempfile.TemporaryFile()      # not a pipe: a record larger than a pipe's buffer would block the child
    process = subprocess.Popen([sys.executable, "-m", "insolegen.cli", "design", *map(str, args)],
                               stdout=stdout_file, stderr=slave, env=env)
    os.close(slave)
    shown = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:          # the child closed the terminal
            break
        if not chunk:
            break
        shown.append(chunk)
    process.wait(timeout=120)
    os.close(master)
    stdout_file.seek(0)
    stdout = stdout_file.read()
    stdout_file.close()
    return process.returncode, b"".join(shown), stdout


@pytest.mark.slow
def test_a_long_design_spins_on_a_terminal_and_nowhere_else(tmp_path):
    """A foam print with its report takes seconds: on a terminal a spinner says so; with -q,
    --json or a pipe nothing extra is written; a design under a second shows none."""
    foam = ROOT / "tests" / "data" / "footprints" / "greenai_foamprint_56_half.jpg"
    long_design = (foam, "--side", "right", "--report")
    code, terminal, _ = _design_on_a_terminal(*long_design, "--out", tmp_path / "a")
    assert code == 0 and b"designing" in terminal and b"\xe2\xa0" in terminal       # a braille spinner frame
    for quiet in ("-q", "--json"):        # the same long design, which showed the spinner above
        code, terminal, stdout = _design_on_a_terminal(*long_design, "--out", tmp_path / quiet, quiet)
        assert code == 0 and terminal == b""
    assert json.loads(stdout)["case"] == foam.stem
    piped = run("design", *long_design, "--out", tmp_path / "piped")
    assert piped.returncode == 0 and piped.stderr == "" and "designing" not in piped.stdout
    code, terminal, _ = _design_on_a_terminal("--out", tmp_path / "quick")
    assert code == 0 and terminal == b""


def test_part_of_a_case_is_never_written_beside_another_designs_files(tmp_path):
    """A record from one design and an STL from another would make one case of two: refused,
    naming the files, nothing written; --force replaces the whole case."""
    out = tmp_path / "case"
    assert run("design", "--format", "json", "--out", out).returncode == 0
    record = (out / "EU42_medium.json").read_bytes()
    r = run("design", "--set", "arch.height_mm=25", "--format", "stl", "--side", "left", "--out", out)
    assert r.returncode == 1 and "EU42_medium.json" in r.stderr and "another design" in r.stderr and "--force" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["EU42_medium.json"] and (out / "EU42_medium.json").read_bytes() == record
    r = run("design", "--set", "arch.height_mm=25", "--format", "stl", "--side", "left", "--out", out, "--force")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["EU42_medium_left.stl"]
    # the other way round: a record written beside another design's mesh is refused too
    r = run("design", "--format", "json", "--out", out)
    assert r.returncode == 1 and "EU42_medium_left.stl" in r.stderr
    # a case of another name beside it is another case: allowed
    assert run("design", "--format", "json", "--name", "other", "--out", out).returncode == 0


def test_the_python_api_and_the_batch_write_through_the_same_writer(tmp_path):
    """CaseResult.save refuses to mix designs as the CLI does; the batch replaces what an earlier
    run of a case left that this run does not write."""
    import insolegen
    from insolegen.errors import InvalidInput
    from insolegen.outputs.export import CASE_SUFFIXES

    case = insolegen.design(insolegen.foot_from_size("MP250"), name="demo", formats="json")
    case.save(tmp_path)
    other = insolegen.design(insolegen.foot_from_size("MP260"), name="demo", formats="stl")
    with pytest.raises(InvalidInput, match="another design"):
        other.save(tmp_path)
    assert [p.name for p in other.save(tmp_path, force=True)] == ["demo_left.stl", "demo_right.stl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_left.stl", "demo_right.stl"]
    assert all(s.startswith(("_", ".")) for s in CASE_SUFFIXES)
