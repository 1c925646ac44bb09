"""Numbers as a person reads them: one formatter, one name per quantity, one size per device."""
from __future__ import annotations

import pytest
from helpers import run_cli

from insolegen.device.verify import TOLERANCES
from insolegen.measure.definitions import DEFINITIONS
from insolegen.outputs.numbers import fixed
from insolegen.outputs.readings import all_names, human_name


@pytest.mark.parametrize("value, places, text", [(-0.0, 2, "0.00"), (-0.004, 2, "0.00"), (-0.005001, 2, "-0.01"),
                                                 (0.2, 1, "0.2"), (-1.25, 1, "-1.2"), (None, 2, "—"), (float("nan"), 2, "—")])
def test_a_number_is_written_once_rounded_and_never_as_minus_zero(value, places, text):
    assert fixed(value, places) == text


def test_a_value_that_rounds_to_zero_has_no_sign_even_when_signs_are_shown():
    assert fixed(-0.001, 2, sign=True) == "0.00" and fixed(0.3, 1, " °", sign=True) == "+0.3 °"


def test_every_checked_and_measured_quantity_has_a_human_name():
    """A new check or measured quantity without a name would be shown as its snake_case key."""
    numeric = [q for q in (*TOLERANCES, *DEFINITIONS) if q not in ("side", "pockets")]
    assert [q for q in numeric if q not in all_names()] == []
    assert human_name("arch_apex_height_mm") == "arch height (mm)" and human_name("rearfoot_post_deg") == "rearfoot post (°)"


def test_the_console_shows_one_size_and_no_minus_zero(tmp_path):
    """The summary's length and width are the checks table's measured ones (one source), and a
    post measured at -0.001° reads 0.00."""
    import json
    import re

    r = run_cli("design", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "-0.00" not in r.stdout
    record = json.loads((tmp_path / "EU42_medium.json").read_text())
    measured = record["prescribed_vs_measured"]["measurement"]
    rows = re.findall(r"│ (left|right)\s+│ ([\d.]+)\s+│ ([\d.]+)", r.stdout)
    assert [side for side, *_ in rows] == ["left", "right"]
    for _, length, width in rows:
        assert (length, width) == (fixed(measured["length_mm"]), fixed(measured["width_mm"]))
    assert re.search(rf"length \(mm\)\s+│ [\d.]+\s+│ {re.escape(fixed(measured['length_mm']))} ", r.stdout)


def test_a_pad_on_a_bar_reads_as_its_rise_in_the_picture_as_in_the_view(tmp_path):
    """Over a met bar the pad's height above the plate is not what was prescribed (the bar lifts
    it): the record compares its rise over the device without it, and the picture's caption gives
    that rise, as the 3D view's label does, not the raw dome."""
    import json

    from helpers import run_cli_headless
    from PIL import Image

    from insolegen.outputs.readings import feature_reading

    r = run_cli_headless("design", "--set", "met_pad.height_mm=4", "--set", "met_bar.height_mm=3", "--out", tmp_path,
                         "--preview", "-q")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "EU42_medium.json").read_text())
    rise = feature_reading(record, "right", "met_pad")
    dome = record["prescribed_vs_measured"]["measurement"]["met_pad_height_mm"]
    assert abs(rise - dome) > 1.0                                   # the two readings differ here
    texts = " ".join(t["text"] for t in json.loads(Image.open(tmp_path / "EU42_medium_preview.png").text["insolegen-layout"])["texts"])
    assert f"dome {fixed(rise, 1)} mm above the plate" in texts and f"dome {fixed(dome, 1)} mm" not in texts
