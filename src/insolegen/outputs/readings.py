"""What a person is shown of a case, read from its design record, so that the console, the batch
table, the PDF and the view all read a quantity from the same place: the mesh as measured."""
from __future__ import annotations

from functools import cache

from insolegen.measure.definitions import NAMES
from insolegen.measure.definitions import human_name as name_of
from insolegen.outputs.numbers import fixed


@cache
def all_names() -> dict[str, str]:
    """Every quantity's human name: the measured ones and those the design reads itself. The
    feature declarations are imported here, not at the top: the console reads this module, and
    `insolegen --help` must not wait for the design's imports (0.5 s)."""
    from insolegen.device.features import CHECK_NAMES

    return {**NAMES, **CHECK_NAMES}


def part_of(record: dict, side: str | None) -> dict:
    """The foot, derived layout and prescribed-vs-measured of ``side``'s device: its own foot's
    (two feet, a device each), else the record's own (a pair made from one foot)."""
    return (record.get("per_side_feet") or {}).get(side) or record


def verification_of(record: dict, side: str | None) -> dict:
    """The prescribed-vs-measured of ``side``'s device: its own foot's, or the pair's (a mirrored
    left device is the right's mirror image, so it measures the same)."""
    return part_of(record, side)["prescribed_vs_measured"]


def check_measured(record: dict, side: str | None, quantity: str) -> float | None:
    """What the verification measured for ``quantity`` on ``side``'s device (None: not checked)."""
    return next((c["measured"] for c in verification_of(record, side)["checks"] if c["quantity"] == quantity), None)


def feature_reading(record: dict, side: str | None, name: str) -> float | None:
    """A feature's own number as the record measured it: the first of its marker's quantities
    the checks hold (a met pad: its rise over the same device without it where the plate is not
    flat, a scanned sole or a bar, else its dome over the plate)."""
    from insolegen.device.features import by_name

    marker = by_name(name).marker
    return next((v for q in marker.quantities if (v := check_measured(record, side, q)) is not None), None)


def human_name(quantity: str, with_unit: bool = True) -> str:
    """What a person reads for a quantity, measured (``measure``) or read by the design itself
    (a feature's rise, how far it lies from its place)."""
    return name_of(quantity, with_unit, names=all_names())


def device_size(record: dict, side: str) -> dict:
    """Length and width as ``measure`` reads them from the mesh (the insole's own long axis), and
    the height, in mm: the size a person is shown everywhere."""
    measured = verification_of(record, side)["measurement"]
    return {"length_mm": measured["length_mm"], "width_mm": measured["width_mm"], "height_mm": record["devices"][side]["height_mm"]}


def check_table(verified: dict, with_uncompared: bool = False) -> tuple[list[str], list[dict]]:
    """The prescribed-vs-measured table as every output shows it: (headers, rows), each row
    {"cells": [text...], "ok", "compared", "note"}. On a total-contact device the prescription's
    own amount, the scanned sole's value and what the device must measure (their sum) are
    separate columns."""
    total_contact = any("from_scan" in c for c in verified["checks"])
    headers = ["quantity", "prescribed", *(["the scan's own", "expected"] if total_contact else []), "measured", "tolerance", ""]
    rows = []
    for c in verified["checks"]:
        if not c["compared"] and not with_uncompared:
            continue
        if total_contact:
            split = [fixed(c["rx_amount"]), fixed(c["from_scan"])] if "from_scan" in c else ["", ""]
            stated = [*split, fixed(c["prescribed"])]
        else:
            stated = [fixed(c["prescribed"])]
        if not c["compared"]:
            stated = [""] * len(stated)
        cells = [human_name(c["quantity"]), *stated, fixed(c["measured"]),
                 f"± {c['tolerance']:g}" if c["compared"] else "", ("ok" if c["ok"] else "MISS") if c["compared"] else "not compared"]
        rows.append({"cells": cells, "ok": c["ok"], "compared": c["compared"], "note": c.get("note", "")})
    return headers, rows


def total_contact_rule(verified: dict) -> str | None:
    """Why a total-contact device's posts and cup differ from the prescription, and which governs."""
    return (verified.get("bare_sole_device") or {}).get("why_posts_differ")


def shoe_lines(record: dict, with_warnings: bool = True) -> list[str]:
    """The shoe in words, from the record (its sock-liner, the registration, the allowances, the
    style and what was accepted beyond it): what the report, the 3D view and the review page say."""
    from insolegen.outputs.numbers import fixed

    lines = []
    shoe = record.get("shoe")
    if shoe:
        reg, a = shoe["registration"], shoe["allowances_mm"]
        lines += [f"Sock-liner {shoe['file']}: a {shoe['side']} one ({shoe['side_how']}), {fixed(shoe['length_mm'], 1)} mm long",
                  f"Registered heel to heel and axis to axis: turned {fixed(reg['turn_deg'])}°, moved {fixed(reg['shift_mm'], 1)} mm "
                  f"across; the midlines {fixed(reg['residual_mm'])} mm apart after (RMS)",
                  f"Inside it by: toe {fixed(a['toe'], 1)} mm; ball medial {fixed(a['ball_medial'], 1)}, lateral "
                  f"{fixed(a['ball_lateral'], 1)} mm; heel medial {fixed(a['heel_medial'], 1)}, lateral "
                  f"{fixed(a['heel_lateral'], 1)} mm"]
    style = record.get("shoe_style")
    if style:
        lines.append(f"Shoe style: {style['style']}" + ("" if style["limits"] else " (no published limits)"))
        lines += [f"Accepted beyond the style (--accept-shoe): {w}" for w in style["accepted_beyond"] if with_warnings]
    return lines
