"""Sort-based set operations on integer keys (numpy 2's hashing ``np.unique`` is ~20x slower
than a sort at mesh sizes)."""
from __future__ import annotations

import numpy as np


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    s = np.sort(keys)
    return s[np.concatenate([[True], s[1:] != s[:-1]])] if len(s) else s
