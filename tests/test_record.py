"""The typed design record: every record a design writes fits its model; the published JSON
Schema is the model's; a record read back that does not fit (edited by hand, cut short, from a
newer insolegen) is refused naming the field, and an old record without a schema version is read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli_headless

from insolegen.errors import InvalidInput
from insolegen.record import SCHEMA_VERSION, DesignRecord, json_schema, read_record

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("record")
    r = run_cli_headless("design", "--out", out, "-q", "--set", "met_pad.height_mm=4")
    assert r.returncode == 0, r.stderr
    return out / "EU42_medium.json"


def test_a_written_record_fits_its_model_and_says_its_version(case):
    record = json.loads(case.read_text())
    assert record["schema_version"] == SCHEMA_VERSION and next(iter(record)) == "schema_version"
    typed = DesignRecord.model_validate(record)
    assert typed.devices["right"].checks.passed and typed.derived.features["met_pad"]["height_mm"] == 4


def test_the_published_schema_is_the_models():
    published = json.loads((ROOT / "docs" / "record.schema.json").read_text())
    assert published == json_schema(), "docs/record.schema.json is out of date: python -m insolegen.record > docs/record.schema.json"


def test_an_old_record_without_a_version_is_read(case, tmp_path):
    record = json.loads(case.read_text())
    del record["schema_version"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(record))
    assert read_record(path)["case"] == "EU42_medium"


@pytest.mark.parametrize("edit, named", [
    (lambda r: r["devices"]["right"]["checks"].pop("watertight"), "devices.right.checks.watertight"),
    (lambda r: r["devices"]["right"].update(faces="many"), "devices.right.faces"),
    (lambda r: r["prescribed_vs_measured"]["checks"][0].update(ok="yes"), "prescribed_vs_measured.checks.0.ok"),
    (lambda r: r["foot"].update(side="middle"), "foot.side"),
    (lambda r: r.update(schema_version=SCHEMA_VERSION + 1), "newer than this insolegen reads"),
])
def test_a_record_that_does_not_fit_is_refused_naming_the_field(case, tmp_path, edit, named):
    record = json.loads(case.read_text())
    edit(record)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(record))
    with pytest.raises(InvalidInput, match=named.replace(".", r"\.")):
        read_record(path)
    # and the CLI says so, exit 1, nothing drawn
    r = run_cli_headless("preview", path, "--out", tmp_path / "p.png")
    assert r.returncode == 1 and named in r.stderr and not (tmp_path / "p.png").exists()
