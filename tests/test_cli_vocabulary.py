"""One CLI vocabulary: names made safe by one rule, messages printed exactly, --out/--force the same
in every verb that writes, old spellings still working with a note, profiles printed as TOML."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

from helpers import run_cli as run
from helpers import run_cli_headless

ROOT = Path(__file__).resolve().parents[1]
SCAN = ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl"
OUTLINE = ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv"
FOAM = ROOT / "tests" / "data" / "footprints" / "greenai_foamprint_56_half.jpg"


def test_clinic_file_names_are_made_safe_by_the_same_rule_as_batch(tmp_path):
    from insolegen.outputs.export import safe_name

    shutil.copy(SCAN, tmp_path / "Smith J (L).stl")
    shutil.copy(OUTLINE, tmp_path / "patient 01.csv")
    r = run("design", tmp_path / "Smith J (L).stl", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert "named Smith_J_L: the file name 'Smith J (L)' is not a safe file name" in r.stdout
    r = run("design", tmp_path / "patient 01.csv", "--out", tmp_path / "out", "--name", "Müller, Anna")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "Smith_J_L_left.stl" in names and "Muller_Anna_right.stl" in names
    record = json.loads((tmp_path / "out" / "Smith_J_L.json").read_text())
    assert record["case"] == "Smith_J_L" and "Smith J (L)" in record["name_note"]
    # batch names its case folders by the very same rule
    (tmp_path / "scans" / "Smith J (L)").mkdir(parents=True)
    shutil.copy(OUTLINE, tmp_path / "scans" / "Smith J (L)" / "right.csv")
    r = run("batch", tmp_path / "scans", "--out", tmp_path / "batch", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "batch" / safe_name("Smith J (L)") / "Smith_J_L_right.stl").is_file()
    assert safe_name("../../etc/passwd") == "etc_passwd" and safe_name("...") == "case"


def test_messages_print_user_text_exactly(tmp_path):
    bad = tmp_path / "foo[bar] [red]:x:.csv"
    bad.write_text("x,y\n1,2\nnot,a number\n")
    r = run("design", bad, "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "foo[bar] [red]:x:.csv:3: expected two numbers (x, y)" in r.stderr, r.stderr
    assert "❌" not in r.stderr and not (tmp_path / "out").exists()
    points = tmp_path / "p.json"
    points.write_text('{"points": 5}')
    r = run("design", points, "--out", tmp_path / "out")
    assert r.returncode == 1 and "[x, y] pairs" in r.stderr, r.stderr
    r = run("batch", "--help")
    assert "[input] table" in " ".join(r.stdout.split())


def test_a_scale_read_from_the_marker_is_a_note_not_a_warning(tmp_path):
    r = run("design", FOAM, "--foot-side", "left", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    scale_lines = [line for line in r.stdout.splitlines() if "scale from" in line]
    assert scale_lines and all(line.startswith("note:") for line in scale_lines), r.stdout


def test_every_verb_that_writes_refuses_to_overwrite_without_force(tmp_path):
    r = run("design", "--out", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    record = tmp_path / "EU42_medium.json"
    # design --preview: the PNG is refused before any design work, and nothing else is touched
    png = tmp_path / "EU42_medium_preview.png"
    png.write_bytes(b"mine")
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    r = run_cli_headless("design", "--out", tmp_path, "--preview")
    assert r.returncode == 1 and "exists; use --force" in r.stderr
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before
    # preview --out and report --out likewise
    r = run_cli_headless("preview", record, "--out", png)
    assert r.returncode == 1 and f"{png} exists; use --force" in r.stderr and png.read_bytes() == b"mine"
    r = run_cli_headless("preview", record, "--out", png, "--force", "--image-size", "400x300")
    assert r.returncode == 0 and png.read_bytes()[:4] == b"\x89PNG", r.stderr
    pdf = tmp_path / "mine.pdf"
    pdf.write_bytes(b"mine")
    r = run_cli_headless("report", record, "--out", pdf)
    assert r.returncode == 1 and "exists; use --force" in r.stderr and pdf.read_bytes() == b"mine"
    # an output name that is a folder, and --out that is a file: refused before writing anything
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "EU42_medium.json").mkdir()
    r = run("design", "--out", tmp_path / "x", "--force")
    assert r.returncode == 1 and "is a folder" in r.stderr and sorted(os.listdir(tmp_path / "x")) == ["EU42_medium.json"]
    r = run("design", "--out", record)
    assert r.returncode == 1 and "is a file, not a folder" in r.stderr


def test_report_material_and_printer_reach_the_report(tmp_path):
    r = run_cli_headless("design", "--out", tmp_path, "--report", "--material", "pa12", "--printer", "formlabs-fuse1", "-q")
    assert r.returncode == 0, r.stderr
    text = subprocess.run(["pdftotext", tmp_path / "EU42_medium_report.pdf", "-"], capture_output=True, text=True).stdout
    assert "PA 12" in text or "pa12" in text, text[:2000]
    assert "formlabs" in text.lower()
    r = run("design", "--out", tmp_path / "n", "--report", "--material", "gold")
    assert r.returncode == 2 and "gold" in r.stderr and not (tmp_path / "n").exists()    # a usage error


def test_old_spellings_work_for_one_release_with_a_note(tmp_path):
    run("design", "--out", tmp_path, "-q")
    right = tmp_path / "EU42_medium_right.stl"
    new = run("measure", right, "--foot-side", "right", "--json")
    old = run("measure", right, "--side", "right", "--json")
    assert new.returncode == old.returncode == 0
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert "--side is deprecated here; use --foot-side" in old.stderr and new.stderr == ""
    r = run("scan", SCAN, "--side", "left", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["side"] == "left" and "use --foot-side" in r.stderr
    r = run_cli_headless("preview", tmp_path / "EU42_medium.json", "--screenshot", tmp_path / "old.png", "--size", "300x200")
    assert r.returncode == 0 and (tmp_path / "old.png").is_file(), r.stderr
    assert "use --out" in r.stderr and "use --image-size" in r.stderr


def test_a_profile_prints_as_toml_that_designs_the_same_device(tmp_path):
    r = run("profiles", "pronation-severe")
    assert r.returncode == 0, r.stderr
    doc = tomllib.loads(r.stdout)
    assert doc["rearfoot_post"]["angle_deg"] == 6.0 and "None" not in r.stdout
    (tmp_path / "mine.toml").write_text(r.stdout)
    a = run("design", "--profile", "pronation-severe", "--out", tmp_path / "a", "--format", "stl", "-q")
    b = run("design", "--profile", tmp_path / "mine.toml", "--out", tmp_path / "b", "--format", "stl", "-q")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert (tmp_path / "a" / "EU42_medium_right.stl").read_bytes() == (tmp_path / "b" / "EU42_medium_right.stl").read_bytes()


def test_field_list_is_never_truncated_on_a_narrow_terminal():
    from insolegen.device.prescription import describe_fields

    env = {**os.environ, "COLUMNS": "60"}
    r = run("profiles", "--fields", env=env)
    assert r.returncode == 0 and "…" not in r.stdout.replace("… ", "")
    for field in describe_fields():
        assert field["field"] in r.stdout and " ".join(field["meaning"].split()) in " ".join(r.stdout.split())
