"""Feet read from files, remembered by the files' bytes and the reading's options.

Reading a footprint image takes seconds and a 3D scan about one; designing from the read foot
takes a fraction of that. An order's revisions read the same files with the same options again
and again, so a redesign should not pay the read. The key is every file's name and SHA-256 and
every option the read depends on: the same key is the same read, so a remembered one gives the
same bytes. Entries are copied in and out, so that nothing downstream can change what is kept.
"""
from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

ENTRIES = 8        # a few orders' feet; a scan with its sole is some MB


class ReadMemo:
    def __init__(self, entries: int = ENTRIES):
        self.entries = entries
        self._kept: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple | None):
        if key is None:
            return None
        with self._lock:
            if key not in self._kept:
                return None
            self._kept.move_to_end(key)
            value = self._kept[key]
        return copy.deepcopy(value)

    def put(self, key: tuple | None, value) -> None:
        if key is None:
            return
        kept = copy.deepcopy(value)
        with self._lock:
            self._kept[key] = kept
            self._kept.move_to_end(key)
            while len(self._kept) > self.entries:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def files_key(paths) -> tuple | None:
    """(name, sha256) of each file, or None when one is not a readable file (its reader says why)."""
    out = []
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        out.append((path.name, hashlib.sha256(data).hexdigest()))
    return tuple(out)


FEET = ReadMemo()
