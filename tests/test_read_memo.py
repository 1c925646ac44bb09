"""Feet read from files are remembered by the files' bytes and the reading's options: a second
read of the same bytes is the same feet without reading, changed bytes are read anew, and what a
caller does to the feet it got never reaches what is kept."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from insolegen.case import CaseRequest, design_case, read_feet
from insolegen.feet import memo

ROOT = Path(__file__).resolve().parents[1]
OUTLINE = ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv"


def test_the_same_bytes_are_read_once_and_changed_bytes_again(tmp_path, monkeypatch):
    import insolegen.case as case

    memo.FEET.clear()
    reads = []
    anew = case._read_feet_anew
    monkeypatch.setattr(case, "_read_feet_anew", lambda request, arch: reads.append(1) or anew(request, arch))
    path = tmp_path / "right.csv"
    path.write_bytes(OUTLINE.read_bytes())
    first = read_feet(CaseRequest(foot_file=path))
    first[0][0].outline[:] = 0.0                                   # a caller's change stays the caller's
    second = read_feet(CaseRequest(foot_file=path))
    assert len(reads) == 1 and np.ptp(second[0][0].outline[:, 0]) > 200
    read_feet(CaseRequest(foot_file=path, foot_side="right"))       # another option: read again
    assert len(reads) == 2
    lines = OUTLINE.read_text().splitlines()
    path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")        # the same name, other bytes
    read_feet(CaseRequest(foot_file=path))
    assert len(reads) == 3


def test_a_remembered_read_gives_the_same_bytes(tmp_path):
    path = tmp_path / "right.csv"
    path.write_bytes(OUTLINE.read_bytes())
    memo.FEET.clear()
    fresh = design_case(CaseRequest(foot_file=path, formats="stl,json"))
    again = design_case(CaseRequest(foot_file=path, formats="stl,json"))
    assert fresh.files == again.files


def test_the_memo_keeps_its_newest_entries_only():
    kept = memo.ReadMemo(entries=2)
    for k in range(3):
        kept.put((k,), {"value": k})
    assert kept.get((0,)) is None and kept.get((2,)) == {"value": 2}
    assert kept.get(None) is None
