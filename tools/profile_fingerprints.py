"""Fingerprints of every profile's design (EU42 medium), and of six prescriptions that make the
features no profile has (a met bar, flanges, the first-ray features, a pocket, offloading, a
three-quarter device): the sha256 of each STL and 3MF and of the design record, read without
the fields named on the command line (fields a release added), its checks in name order (a
table's order is presentation). Two trees printing the same lines made the same devices bit for
bit: a restructuring is shown to change no behaviour this way.

    python tools/profile_fingerprints.py derived.features > after.txt
    PYTHONPATH=/path/to/old/src python tools/profile_fingerprints.py derived.features > before.txt
"""
from __future__ import annotations

import hashlib
import json
import sys

EXTRA = {
    "bar-flange-lateral-arch": ("met_bar.height_mm=3", "accommodations.medial_flange_mm=6", "lateral_arch.height_mm=3"),
    "pad-on-bar-mortons": ("met_pad.height_mm=4", "met_bar.height_mm=2", "accommodations.mortons_extension_mm=2"),
    "reverse-mortons-pad": ("accommodations.reverse_mortons_mm=2", "met_pad.height_mm=3"),
    "three-quarter-pad": ("met_pad.height_mm=3", "device.length=three_quarter", "met_pad.offset_mm=32", "heel_cup.depth_mm=16"),
    "cutout-skive-lift": ("accommodations.first_ray_cutout_mm=2", "accommodations.lateral_flange_mm=5", "medial_skive.depth_mm=3",
                          "heel_lift.height_mm=5"),
    "offload-spur-pocket": ('offload.sites=["mth2","mth3"]', "accommodations.heel_spur_pocket_mm=2"),
}


def _without(record: dict, dotted: str) -> None:
    *path, last = dotted.split(".")
    node = record
    for key in path:
        node = node.get(key, {})
    node.pop(last, None)


def main(added: list[str]) -> None:
    from insolegen.case import CaseRequest, design_case
    from insolegen.device.profiles import list_profiles

    requests = {name: CaseRequest(size="EU42", profile=name) for name in list_profiles()}
    requests |= {name: CaseRequest(size="EU42", profile="neutral", overrides=sets) for name, sets in EXTRA.items()}
    for name, request in requests.items():
        result = design_case(request)
        record = json.loads(json.dumps(result.record))
        record.pop("tool", None)
        for dotted in added:
            _without(record, dotted)
            for part in (record.get("per_side_feet") or {}).values():
                _without({"derived": part.get("derived", {})}, dotted)
        checks = record["prescribed_vs_measured"]["checks"]
        checks.sort(key=lambda c: c["quantity"])
        meshes = {fn: hashlib.sha256(data).hexdigest()[:16] for fn, data in sorted(result.files.items()) if not fn.endswith(".json")}
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
        print(name, " ".join(f"{fn}={h}" for fn, h in meshes.items()), f"record={digest}")


if __name__ == "__main__":
    main(sys.argv[1:])
