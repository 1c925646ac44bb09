"""What a person is shown of a case, read from its design record, so that the console, the batch
table, the PDF and the view all read a quantity from the same place: the mesh as measured."""
from __future__ import annotations


def verification_of(record: dict, side: str) -> dict:
    """The prescribed-vs-measured of ``side``'s device: its own foot's, or the pair's (a mirrored
    left device is the right's mirror image, so it measures the same)."""
    own = (record.get("per_side_feet") or {}).get(side, {}).get("prescribed_vs_measured")
    return own or record["prescribed_vs_measured"]


def device_size(record: dict, side: str) -> dict:
    """Length and width as ``measure`` reads them from the mesh (the insole's own long axis), and
    the height, in mm: the size a person is shown everywhere."""
    measured = verification_of(record, side)["measurement"]
    return {"length_mm": measured["length_mm"], "width_mm": measured["width_mm"], "height_mm": record["devices"][side]["height_mm"]}
