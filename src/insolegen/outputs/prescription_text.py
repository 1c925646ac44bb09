"""The prescription in a clinician's words, with units, naming only what is prescribed: what the
report prints (and a technician checks against the order form)."""
from __future__ import annotations

from insolegen.device.features import prescribed_lines
from insolegen.device.features.spec import mm as _mm

LENGTHS = {"full": "full length", "sulcus": "to the sulcus", "three_quarter": "three-quarter length"}


def prescription_lines(rx: dict, with_zones: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
    """([(what, as prescribed)], [what is not prescribed]) from the record's prescription: the
    device as a whole, then each feature in its own words. ``with_zones``: the device has print zones."""
    lines: list[tuple[str, str]] = []
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

    features, absent = prescribed_lines(rx)      # each feature says itself (device.features)
    lines += features
    if with_zones:
        z = rx["zones"]
        lines.append(("Print zones", f"{z['layout']} layout, {z['intent']}, {z['material']}, {z['pattern']} infill"))
    return lines, absent
