"""Smooth blends the feature fields are made of: a quintic smoothstep (C2 at both ends) and the
ramps up and down between two values built on it."""
from __future__ import annotations

import numpy as np


def smoothstep(t):
    t = np.clip(t, 0.0, 1.0)
    return t * t * t * (t * (6.0 * t - 15.0) + 10.0)


def ramp_up(v, a, b):
    return smoothstep((v - a) / (b - a))


def ramp_down(v, a, b):
    return 1.0 - ramp_up(v, a, b)
