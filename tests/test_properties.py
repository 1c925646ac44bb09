"""Property tests over the prescription space and sizes EU35-EU48 in all widths: every valid
prescription gives a valid, printable mesh (or, for a combination that cannot be built, a clear
error naming it); every out-of-range value a clear error naming the field and the value."""
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from insolegen.device.design import design_pair
from insolegen.device.prescription import describe_fields
from insolegen.device.profiles import list_profiles, resolve_prescription
from insolegen.errors import InvalidInput
from insolegen.feet.footshape import foot_from_size

NUMERIC = [r for r in describe_fields() if r["min"] is not None and r["field"] != "arch.apex_frac"]


@st.composite
def prescriptions(draw):
    o = {
        "device.length": draw(st.sampled_from(["full", "sulcus", "three_quarter"])),
        "device.mode": draw(st.sampled_from(["solid", "shell"])),
        "device.outline_offset_mm": draw(st.floats(-5, 10)),
        "device.base_thickness_mm": draw(st.floats(1.5, 8)),
        "device.forefoot_thickness_mm": draw(st.floats(1.5, 8)),
        "arch.height_mm": draw(st.floats(12, 40)),
        "arch.apex_frac": draw(st.one_of(st.just('"navicular"'), st.floats(0.35, 0.5))),
        "lateral_arch.height_mm": draw(st.floats(0, 10)),
        "heel_cup.depth_mm": draw(st.floats(0, 30)),
        "rearfoot_post.angle_deg": draw(st.floats(-8, 8)),
        "medial_skive.depth_mm": draw(st.floats(0, 8)),
        "heel_lift.height_mm": draw(st.floats(0, 6)),
        "met_pad.height_mm": draw(st.floats(0, 8)),
        "met_bar.height_mm": draw(st.floats(0, 6)),
        "accommodations.medial_flange_mm": draw(st.floats(0, 20)),
        "accommodations.lateral_flange_mm": draw(st.floats(0, 20)),
    }
    if o["device.length"] == "three_quarter":   # pad and bar behind the trim (nearer the heads, refused)
        o["met_pad.offset_mm"] = draw(st.floats(35, 40))   # the 2nd-3rd heads stand 9-13 mm ahead of the 1st-5th line
        o["met_bar.offset_mm"] = draw(st.floats(20, 25))
    else:
        o["forefoot_post.angle_deg"] = draw(st.floats(-8, 8))
        extra = draw(st.sampled_from(["none", "mortons", "reverse", "cutout"]))
        if extra == "mortons":
            o["accommodations.mortons_extension_mm"] = draw(st.floats(0, 6))
        elif extra == "reverse":
            o["accommodations.reverse_mortons_mm"] = draw(st.floats(0, 6))
        elif extra == "cutout":
            o["accommodations.first_ray_cutout_mm"] = draw(st.floats(0, min(6.0, o["device.forefoot_thickness_mm"] - 1.0)))
    room = min(6.0, o["device.base_thickness_mm"] + o["heel_lift.height_mm"] - 1.0)
    # none, or at least 1 mm deep (a shallower heel pocket is refused: it would not offload)
    o["accommodations.heel_spur_pocket_mm"] = draw(st.just(0.0) | st.floats(1.0, room)) if room >= 1.0 else 0.0
    if draw(st.booleans()):
        o["rearfoot_post.kind"] = '"extrinsic"'
        o["rearfoot_post.motion_grind_deg"] = draw(st.floats(0, 30))
    return [f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in o.items()]


sizes = st.builds(lambda n, half: f"EU{n}{'.5' if half else ''}", st.integers(35, 47), st.booleans())


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking a mesh failure takes minutes
@given(overrides=prescriptions(), size=sizes, width=st.sampled_from(["narrow", "medium", "wide"]))
def test_every_valid_prescription_gives_a_valid_mesh(overrides, size, width):
    rx, _ = resolve_prescription(None, overrides)
    foot = foot_from_size(size, width)
    try:
        design = design_pair(foot, rx)
    except InvalidInput as exc:
        # an arch lower than what lies under it, or a flank standing above its apex: both name the arch
        assert "arch height" in str(exc) and ("below the device's own height" in str(exc) or "above the arch's own apex" in str(exc))
        return
    for side, dev in design.devices.items():
        checks = dev.checks
        assert checks.watertight and checks.winding_consistent and checks.outward
        assert checks.bodies == 1 and checks.degenerate_faces == 0 and checks.duplicate_faces == 0
        assert checks.min_thickness_mm >= 1.0
        assert dev.vertices[:, 2].min() >= -1e-9
    right, left = design.devices["right"], design.devices["left"]
    assert np.array_equal(left.vertices, right.vertices * [1, -1, 1])


@settings(max_examples=60, deadline=None)
@given(row=st.sampled_from(NUMERIC), above=st.booleans(), by=st.floats(0.01, 100))
def test_every_out_of_range_value_is_refused_by_name(row, above, by):
    value = row["max"] + by if above else row["min"] - by
    with pytest.raises(InvalidInput) as info:
        resolve_prescription(None, [f"{row['field']}={value!r}"])
    message = str(info.value)
    assert row["field"] in message and "out of range" in message


@pytest.mark.slow
@pytest.mark.parametrize("profile", sorted(list_profiles()))
def test_every_profile_builds_a_valid_pair(profile):
    rx, _ = resolve_prescription(profile, [])
    design = design_pair(foot_from_size("EU40"), rx)
    assert set(design.devices) == {"left", "right"}
    assert not design.devices["right"].checks.problems
