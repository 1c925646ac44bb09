"""The prescription in a clinician's words, with units, naming only what is prescribed: what the
report prints (and a technician checks against the order form)."""
from __future__ import annotations

LENGTHS = {"full": "full length", "sulcus": "to the sulcus", "three_quarter": "three-quarter length"}
SITES = {"mth1": "1st met head", "mth2": "2nd met head", "mth3": "3rd met head", "mth4": "4th met head",
         "mth5": "5th met head", "heel": "heel", "hallux": "hallux"}


def _mm(value: float) -> str:
    return f"{value:g} mm"


def _tilt(angle: float) -> str:
    """+ is varus (medial side up), as the prescription's fields say."""
    if angle == 0:
        return "0° (level)"
    return f"{abs(angle):g}° {'varus' if angle > 0 else 'valgus'}"


def prescription_lines(rx: dict, with_offload: bool = False, with_zones: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
    """([(what, as prescribed)], [what is not prescribed]) from the record's prescription.
    ``with_offload`` / ``with_zones``: the device has relief pockets / print zones."""
    lines: list[tuple[str, str]] = []
    absent: list[str] = []
    device = rx["device"]
    shell = f"shell {_mm(device['shell_thickness_mm'])} under the arch" if device["mode"] == "shell" else "solid"
    text = f"{LENGTHS.get(device['length'], device['length'])}, {_mm(device['base_thickness_mm'])} under the heel"
    if device.get("forefoot_thickness_mm") is not None:
        text += f", {_mm(device['forefoot_thickness_mm'])} under the forefoot"
    text += f", {shell}"
    if device.get("outline_offset_mm"):
        text += f", outline {device['outline_offset_mm']:+g} mm"
    if device.get("label") not in (None, "none"):
        text += f", engraved '{device['label']}'" if device["label"] != "auto" else ", engraved with the case and side"
    lines.append(("Device", text))

    arch = rx["arch"]
    height = f"{arch['fill_frac']:g} of the foot's arch" if arch.get("fill_frac") is not None else f"{_mm(arch['height_mm'])} high"
    apex = "at the navicular" if arch["apex_frac"] == "navicular" else f"apex at {arch['apex_frac']:g} of the foot's length"
    text = f"{height}, {apex}"
    if arch.get("length_mm") is not None:
        text += f", {_mm(arch['length_mm'])} long"
    if arch.get("width_mm") is not None:
        text += f", {_mm(arch['width_mm'])} wide"
    lines.append(("Medial arch", text))

    def optional(what: str, value, words: str) -> None:
        (lines.append((what, words)) if value else absent.append(what.lower()))

    optional("Lateral arch", rx["lateral_arch"]["height_mm"], f"{_mm(rx['lateral_arch']['height_mm'])} above the base")
    cup = rx["heel_cup"]["depth_mm"]
    optional("Heel cup", cup, f"{_mm(cup)} deep")
    post = rx["rearfoot_post"]
    text = f"{_tilt(post['angle_deg'])}, {post['kind']}"
    if post.get("motion_grind_deg"):
        text += f", motion grind {post['motion_grind_deg']:g}°"
    lines.append(("Rearfoot post", text))
    optional("Forefoot post", rx["forefoot_post"]["angle_deg"], _tilt(rx["forefoot_post"]["angle_deg"]))
    optional("Medial heel skive", rx["medial_skive"]["depth_mm"], f"{_mm(rx['medial_skive']['depth_mm'])} (Kirby)")
    optional("Heel lift", rx["heel_lift"]["height_mm"], _mm(rx["heel_lift"]["height_mm"]))
    pad = rx["met_pad"]
    optional("Met pad", pad["height_mm"], f"{_mm(pad['height_mm'])} high, {pad['length_mm']:g} x {pad['width_mm']:g} mm, "
                                          f"{_mm(pad['offset_mm'])} behind the 2nd-3rd heads")
    bar = rx["met_bar"]
    optional("Met bar", bar["height_mm"], f"{_mm(bar['height_mm'])} high, {_mm(bar['width_mm'])} wide, "
                                          f"{_mm(bar['offset_mm'])} behind the heads")
    acc = rx["accommodations"]
    optional("First-ray cut-out", acc["first_ray_cutout_mm"], f"{_mm(acc['first_ray_cutout_mm'])} deep")
    optional("Heel spur pocket", acc["heel_spur_pocket_mm"],
             f"{_mm(acc['heel_spur_pocket_mm'])} deep, {_mm(acc['heel_spur_pocket_diameter_mm'])} across")
    optional("Morton's extension", acc["mortons_extension_mm"], _mm(acc["mortons_extension_mm"]))
    optional("Reverse Morton's", acc["reverse_mortons_mm"], _mm(acc["reverse_mortons_mm"]))
    optional("Medial flange", acc["medial_flange_mm"], _mm(acc["medial_flange_mm"]))
    optional("Lateral flange", acc["lateral_flange_mm"], _mm(acc["lateral_flange_mm"]))
    if with_offload:
        lines.append(("Offloading", _offload_words(rx["offload"])))
    if with_zones:
        z = rx["zones"]
        lines.append(("Print zones", f"{z['layout']} layout, {z['intent']}, {z['material']}, {z['pattern']} infill"))
    return lines, absent


def _offload_words(offload: dict) -> str:
    where = [SITES.get(s, s) for s in offload["sites"]]
    where += [f"spot at {x:g}, {y:g} mm (r {r:g})" for x, y, r in offload["spots"]]
    if offload.get("above_kpa") is not None:
        where.append(f"wherever the recording exceeds {offload['above_kpa']:g} kPa")
    if offload.get("above_percentile") is not None:
        where.append(f"wherever the recording exceeds its {offload['above_percentile']:g}th percentile")
    return f"pockets {_mm(offload['depth_mm'])} deep under {', '.join(where) or 'no site'}, walls {_mm(offload['wall_mm'])}"
