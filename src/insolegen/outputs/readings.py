"""What a person is shown of a case, read from its design record, so that the console, the batch
table, the PDF and the view all read a quantity from the same place: the mesh as measured."""
from __future__ import annotations

from insolegen.measure.definitions import human_name
from insolegen.outputs.numbers import fixed


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


def met_pad_rise(record: dict, side: str | None) -> float | None:
    """The met pad as the record measured it: its rise over the same device without it where the
    plate is not flat (a scanned sole, a bar), else its dome over the plate."""
    rise = check_measured(record, side, "met_pad_rise_mm")
    return rise if rise is not None else check_measured(record, side, "met_pad_height_mm")


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
