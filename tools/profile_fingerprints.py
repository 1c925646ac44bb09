"""Fingerprints of every profile's design (EU42 medium): the sha256 of each STL and 3MF and of
the design record, the record read without the fields named on the command line (fields a
release added). Two trees printing the same lines made the same devices bit for bit: a
restructuring is shown to change no behaviour this way.

    python tools/profile_fingerprints.py derived.features > after.txt
    PYTHONPATH=/path/to/old/src python tools/profile_fingerprints.py > before.txt
"""
from __future__ import annotations

import hashlib
import json
import sys


def _without(record: dict, dotted: str) -> None:
    *path, last = dotted.split(".")
    node = record
    for key in path:
        node = node.get(key, {})
    node.pop(last, None)


def main(added: list[str]) -> None:
    from insolegen.case import CaseRequest, design_case
    from insolegen.device.profiles import list_profiles

    for name in list_profiles():
        result = design_case(CaseRequest(size="EU42", profile=name))
        record = json.loads(json.dumps(result.record))
        record.pop("tool", None)
        for dotted in added:
            _without(record, dotted)
            for part in (record.get("per_side_feet") or {}).values():
                _without({"derived": part.get("derived", {})}, dotted)
        meshes = {fn: hashlib.sha256(data).hexdigest()[:16] for fn, data in sorted(result.files.items()) if not fn.endswith(".json")}
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
        print(name, " ".join(f"{fn}={h}" for fn, h in meshes.items()), f"record={digest}")


if __name__ == "__main__":
    main(sys.argv[1:])
