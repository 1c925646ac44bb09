import pytest

from insolegen.device.profiles import list_profiles, parse_override, resolve_prescription
from insolegen.errors import InvalidInput


def resolve(*overrides, profile=None):
    return resolve_prescription(profile, list(overrides))[0]


@pytest.mark.parametrize("override, words", [
    ("arch.height_mm=45", r"arch.height_mm = 45 is out of range 5 … 40 mm"),
    ("rearfoot_post.angle_deg=-9", r"rearfoot_post.angle_deg = -9 is out of range -8 … 8 deg"),
    ("device.length=half", r"device.length = 'half' is not allowed; choose one of: full, sulcus, three_quarter"),
    ("arch.heigth_mm=20", r"unknown field 'arch.heigth_mm'; did you mean arch.height_mm\?"),
    ("heel_cup.depth_mm=deep", r"heel_cup.depth_mm = 'deep': expected a number"),
    ("arch.apex_frac=0.7", r"arch.apex_frac: .*out of range 0.35 … 0.5"),
    ("archx.height_mm=3", r"unknown field 'archx'"),
])
def test_invalid_values_name_field_value_and_range(override, words):
    with pytest.raises(InvalidInput, match=words):
        resolve(override)


@pytest.mark.parametrize("overrides, words", [
    (("device.length=three_quarter", "accommodations.mortons_extension_mm=3"), "three_quarter ends behind"),
    (("accommodations.mortons_extension_mm=2", "accommodations.first_ray_cutout_mm=1"), "give one"),
    (("rearfoot_post.motion_grind_deg=10",), "kind = extrinsic"),
    (("accommodations.heel_spur_pocket_mm=5",), "at most 2 mm"),
    (("device.length=three_quarter", "forefoot_post.angle_deg=2"), "needs a forefoot plate"),
    (("accommodations.reverse_mortons_mm=0.19",), r"reverse_mortons_mm = 0.19 is under 0.5 mm"),
    (("accommodations.first_ray_cutout_mm=0.3",), r"first_ray_cutout_mm = 0.3 is under 0.5 mm"),
])
def test_contradictions_are_refused(overrides, words):
    with pytest.raises(InvalidInput, match=words):
        resolve(*overrides)


def test_override_values_are_typed():
    assert parse_override("arch.height_mm=28") == {"arch": {"height_mm": 28}}
    assert parse_override("device.length=sulcus") == {"device": {"length": "sulcus"}}
    with pytest.raises(InvalidInput, match="FIELD=VALUE"):
        parse_override("arch.height_mm")
    with pytest.raises(InvalidInput, match="section.field"):
        parse_override("height_mm=3")


def test_fill_frac_replaces_a_profile_height_and_back():
    rx = resolve("arch.fill_frac=0.8", profile="pronation-moderate")
    assert rx.arch.fill_frac == 0.8 and rx.arch.height_mm is None
    rx = resolve("arch.fill_frac=0.8", "arch.height_mm=20")
    assert rx.arch.height_mm == 20 and rx.arch.fill_frac is None


def test_profiles_extend_and_every_one_resolves():
    names = list_profiles()
    for required in ("neutral", "pronation-mild", "pronation-moderate", "pronation-severe", "supination",
                     "plantar-fasciitis", "metatarsalgia", "flat-foot", "cavus", "leg-length", "diabetic-accommodative"):
        assert required in names and names[required]
    rx, prov = resolve_prescription("pronation-severe", [])
    assert [f["name"] for f in prov["profile_files"]] == ["neutral", "pronation-mild", "pronation-moderate", "pronation-severe"]
    assert rx.rearfoot_post.angle_deg == 6.0 and rx.heel_cup.depth_mm == 20.0


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(InvalidInput, match="unknown profile 'pronaton'.*neutral"):
        resolve(profile="pronaton")


def test_profile_cycle_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b"\n')
    (tmp_path / "b.toml").write_text('extends = "a"\n')
    with pytest.raises(InvalidInput, match="extends itself"):
        resolve_prescription("a", [], directory=tmp_path)
