"""Every feature is declared once (``insolegen.device.features``), whole: a declaration that lacks
a part fails here, and each prescribed feature is shown to be made, placed, checked and said,
on a real design (the mesh that came out, its record and its report's words)."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import designed
from oracle import grid, top_heights

from insolegen.device import features
from insolegen.device.features import FEATURES, spec
from insolegen.device.prescription import Prescription
from insolegen.measure.definitions import NAMES

SCHEMA = Prescription.model_json_schema()


def _field_schema(amount: str) -> dict:
    section, name = amount.split(".")
    ref = SCHEMA["properties"][section]["$ref"].rsplit("/", 1)[-1]
    return SCHEMA["$defs"][ref]["properties"][name]


def missing_parts(f: spec.Feature) -> list[str]:
    """What a declaration lacks: each part the registry's loops read."""
    lacks = []
    if not (f.name and f.label and f.label[0].isupper()):
        lacks.append("a name and a label a person reads")
    for part in ("field", "place", "checks"):
        if not callable(getattr(f, part)):
            lacks.append(part)
    if f.amount is not None:
        try:
            _field_schema(f.amount)
        except KeyError:
            lacks.append(f"its amount {f.amount} in the prescription's schema")
        if f.words is None:
            lacks.append("words (the prescription in a clinician's words)")
    for quantity in f.tolerances:
        if quantity not in NAMES and quantity not in f.names:
            lacks.append(f"a human name for {quantity}")
    if f.marker is not None and not f.marker.quantities:
        lacks.append("the quantities its marker shows")
    return lacks


def test_every_declaration_is_whole_and_the_names_are_unique():
    assert {f.name: missing_parts(f) for f in FEATURES if missing_parts(f)} == {}
    assert len({f.name for f in FEATURES}) == len(FEATURES)
    amounts = [f.amount for f in FEATURES if f.amount is not None]
    assert len(set(amounts)) == len(amounts)
    tolerance_owners = [q for f in FEATURES for q in f.tolerances]
    assert len(set(tolerance_owners)) == len(tolerance_owners), "a checked quantity declared by two features"


def test_a_declaration_missing_a_part_is_caught():
    """The check above can fail: a feature with no words, a tolerance without a name and an
    amount the schema does not hold is reported for each."""
    broken = spec.Feature(name="toe_crest", label="Toe crest", field=spec.absent, amount="toe_crest.height_mm",
                          place=lambda c: {}, words=None, checks=spec.no_checks, tolerances={"toe_crest_rise_mm": 0.5})
    lacks = missing_parts(broken)
    assert any("schema" in s for s in lacks) and any("words" in s for s in lacks) and any("toe_crest_rise_mm" in s for s in lacks)


def _amount(f: spec.Feature) -> float:
    """A third of the field's allowed top: inside every range, well clear of zero."""
    return round(_field_schema(f.amount)["maximum"] / 3, 1)


SIZED = [f for f in FEATURES if f.amount is not None]


@pytest.mark.parametrize("feature", SIZED, ids=[f.name for f in SIZED])
def test_each_prescribed_feature_is_made_placed_checked_and_said(feature):
    """With the feature at a third of its range (and every other sized feature at 0), against the
    same device without it: the mesh's top differs, the record places it (where it places any),
    a check's prescription moves with it, and the report says it in words."""
    zeroed = tuple(f"{f.amount}=0" for f in SIZED)
    bare, bare_meshes = designed(size="EU42", overrides=zeroed, profile="neutral")
    made, meshes = designed(size="EU42", overrides=(*zeroed, f"{feature.amount}={_amount(feature)}"), profile="neutral")

    # the mesh: its top moves somewhere by more than 0.5 mm, or its edge by a 2 mm grid's cells (rays cast down)
    xy = grid((2.0, 270.0), (-60.0, 60.0), 2.0)
    with_it, without = top_heights(meshes["right"], xy), top_heights(bare_meshes["right"], xy)
    both = np.isfinite(with_it) & np.isfinite(without)
    footprint_moved = int((np.isfinite(with_it) != np.isfinite(without)).sum())      # a width moves the edge, not the top
    assert np.abs(with_it - without)[both].max() > 0.5 or footprint_moved >= 10

    # the record: a check's prescribed value moves with it, or a check of its own appears
    def prescribed(result):
        return {c["quantity"]: c["prescribed"] for c in result.record["prescribed_vs_measured"]["checks"]}
    before, after = prescribed(bare), prescribed(made)
    assert any(after[q] != before.get(q) for q in after), f"no check of {feature.name} moved"
    assert all(c["ok"] for c in made.record["prescribed_vs_measured"]["checks"])

    # where it was made: every place it declares is in derived.features, and only when prescribed
    declared = set(feature.place(_context(made)))
    assert declared <= set(made.record["derived"]["features"]) and not declared & set(bare.record["derived"]["features"])

    # the words a clinician reads, and not among "not prescribed"
    lines, absent = features.prescribed_lines(made.record["prescription"])
    assert feature.label in dict(lines) and feature.label.lower() not in absent
    bare_lines, bare_absent = features.prescribed_lines(bare.record["prescription"])
    assert feature.label.lower() in bare_absent or "level" in dict(bare_lines)[feature.label]   # a post says "0° (level)"


def _context(result):
    return result.design.context


def test_a_feature_stands_where_the_record_places_it():
    """The points derived.features gives (a pad's centre, a bar's crest, a pocket's centre) are
    where each one's field reaches its full amount: the pictures draw them there."""
    from insolegen.device.context import Points

    result, _ = designed(size="EU42", profile="neutral", overrides=(
        "met_pad.height_mm=3", "met_bar.height_mm=2", "met_bar.offset_mm=16", "accommodations.heel_spur_pocket_mm=1.5"))
    ctx, plan = result.design.context, result.design.plan
    places = result.record["derived"]["features"]
    for name, key, amount in (("met_pad", "centre_mm", 3.0), ("met_bar", "crest_point_mm", 2.0),
                              ("heel_spur_pocket", "centre_mm", -1.5)):
        point = np.array([places[name][key]])
        value = float(features.by_name(name).field(Points.of(point, plan, ctx), ctx)[0])
        assert value == pytest.approx(amount, abs=0.01), name
