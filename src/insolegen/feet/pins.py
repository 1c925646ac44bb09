"""Clinician pins in a foam-box print.

A clinician marks a foam-box impression by pressing black marker pins into it at anatomical
points. The scheme followed is the GreenAI one (Green-AI-Hub-Mittelstand, `FoamPointDefinitions`):
heel centre, heel spur point, rearmost point, the heel-width pair, the arch-support point, the
base of the 5th metatarsal, the ball-width pair, the five metatarsal-head joint centres (MTH1-5),
the met-pad ("Pelotte") point, toe tips and the foremost point.

`find_pins` finds them as small, round, near-black dots much darker than what surrounds them (a
pin in the dark print and a pin on the pale foam alike). `assign_roles` gives each pin its role
from where it lies on the foot, in the canonical frame (right foot, heel at x = 0, +y medial):
inside or outside the print, and how far along the foot. A pin that fits no role, or a role that
two pins would share, is reported with the reason and never used.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from insolegen.feet.foot import heads_frame
from insolegen.geometry.arrays import channel_max, channel_min

PIN_WORK_PX_PER_MM = 6.0           # pins are looked for at about this resolution (a pin spans ~20 px)
PIN_DIAMETER_MM = (1.5, 6.0)       # a marker pin's head as it shows in the print (blurred small at low resolution)
BACKGROUND_WINDOW_MM = 6.0         # larger than a pin: the local background is the brightest within it
MIN_CONTRAST = 15                  # grey levels darker than the local background...
MAX_SHARE_OF_BACKGROUND = 0.6      # ...and at most this share of it
PIN_BLACKNESS_MARGIN = 8           # a pin's core is within this of the darkest pin cores (near black)
MAX_CHROMA_OF_BACKGROUND = 0.3     # a pin's core is neutral black: little colour for what surrounds it
NEAR_FOOT_MM = 25.0                # pins outside the print lie within this of its border


@dataclass(frozen=True)
class Pin:
    """A pin's centre in the image as stored (full-resolution pixels, x right, y down)."""
    x_px: float
    y_px: float
    diameter_mm: float


def find_pins(image, px_per_mm: float) -> list[Pin]:
    """Every pin-like dot in a PIL image whose scale is ``px_per_mm``."""
    from scipy import ndimage as ndi

    factor = max(1, int(round(px_per_mm / PIN_WORK_PX_PER_MM)))
    rgb = np.asarray(image.reduce(factor) if factor > 1 else image).astype(np.int16)
    scale = px_per_mm / factor
    value = channel_max(rgb)
    window = int(round(BACKGROUND_WINDOW_MM * scale)) | 1
    background = ndi.grey_closing(value, size=(window, window))
    dark = (background - value >= MIN_CONTRAST) & (value <= MAX_SHARE_OF_BACKGROUND * background)
    labels, n = ndi.label(dark)
    if n == 0:
        return []
    # the dots are a sliver of the picture: their statistics are gathered over their own pixels
    # (one pass each, in the picture's order, so the sums are the ones scipy.ndimage's would be)
    where = np.flatnonzero(labels)
    label_of = labels.ravel()[where]

    def per_dot(weights=None, of=label_of):
        return np.bincount(of, weights, minlength=n + 1)[1:]

    area_mm2 = per_dot().astype(float) / scale ** 2
    lows = np.full(n + 1, np.iinfo(np.int16).max, dtype=np.int16)
    np.minimum.at(lows, label_of, value.ravel()[where])
    lows[0] = 0
    low = lows[1:]
    lo, hi = (np.pi / 4 * d * d for d in PIN_DIAMETER_MM)
    boxes = ndi.find_objects(labels)
    keep = []
    for k in np.flatnonzero((area_mm2 >= lo) & (area_mm2 <= hi)):
        rows, cols = boxes[k]
        h, w = rows.stop - rows.start, cols.stop - cols.start
        fill = area_mm2[k] * scale ** 2 / (h * w)
        if fill >= 0.5 and max(h, w) <= 2 * min(h, w):      # round, not a line or a ragged edge
            keep.append(k)
    if not keep:
        return []
    keep = np.array(keep)
    chroma = (value - channel_min(rgb)).astype(float)
    in_core = value.ravel()[where] <= lows[label_of] + 10
    core_label = label_of * in_core
    core_chroma = per_dot(chroma.ravel()[where], core_label) / per_dot(of=core_label)
    around_chroma = per_dot(ndi.uniform_filter(chroma, size=window).ravel()[where]) / per_dot()
    blackest = float(np.median(low[keep]))
    keep = keep[(low[keep] <= blackest + PIN_BLACKNESS_MARGIN)
                & (core_chroma[keep] <= MAX_CHROMA_OF_BACKGROUND * around_chroma[keep])]
    count = per_dot().astype(float)
    row_of, col_of = np.divmod(where, labels.shape[1])
    centres = zip((per_dot(row_of.astype(float)) / count)[keep], (per_dot(col_of.astype(float)) / count)[keep])
    pins = []
    for k, (row, col) in zip(keep, centres):
        # a working pixel covers `factor` full-resolution pixels: its centre is at (i + 0.5) * factor - 0.5
        pins.append(Pin(float((col + 0.5) * factor - 0.5), float((row + 0.5) * factor - 0.5),
                        float(2.0 * np.sqrt(area_mm2[k] / np.pi))))
    return sorted(pins, key=lambda p: (p.y_px, p.x_px))


# ---- roles ------------------------------------------------------------------------------------

HEEL_REGION_OF_L = 0.30        # heel pins (centre, spur, width pair, rearmost) lie behind this
MIDFOOT_REGION_OF_L = 0.58     # arch support and base of MT5 lie between the heel region and this
TOE_GAP_MM = 10.0              # toe-tip pins stand at least this further on than the heads' row
BALL_PIN_REACH_MM = 25.0       # the ball-width pins lie within this of the ball border line
PELOTTE_BEHIND_HEADS_MM = 5.0  # the met-pad pin stands at least this proximal to the heads' line
HEAD_NAMES = tuple(f"mth{k}_head" for k in range(1, 6))
TOE_NAMES = tuple(f"toe{k}_tip" for k in range(1, 6))
PIN_ROLES = ("heel_center", "heel_spur", "rearmost", "heel_width_medial", "heel_width_lateral", "arch_support",
             "mt5_base", "ball_width_medial", "ball_width_lateral", *HEAD_NAMES, "met_pad_center", *TOE_NAMES, "foremost")


@dataclass(frozen=True)
class PinRoles:
    roles: dict[str, np.ndarray]             # role -> (x, y) canonical mm
    unassigned: list[tuple[np.ndarray, str]]  # (x, y) canonical mm, why no role


def assign_roles(points: np.ndarray, outline: np.ndarray, ball_medial: np.ndarray,
                 ball_lateral: np.ndarray) -> PinRoles:
    """Roles of pins at ``points`` (k, 2), canonical mm, on a canonical foot ``outline`` whose
    ball border points are given (they fix where the forefoot's pins are looked for)."""
    length = float(outline[:, 0].max())
    shape = shapely.Polygon(outline)
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    inside = shapely.contains_xy(shape.buffer(1.0), points[:, 0], points[:, 1])
    near = shapely.distance(shape, shapely.points(points)) <= NEAR_FOOT_MM
    # along the foot, forefoot pins are placed by their distance beyond the ball border line
    u, distal = heads_frame(ball_medial, ball_lateral)     # lateral -> medial, and toward the toes
    beyond_ball = (points - ball_lateral) @ distal
    roles: dict[str, np.ndarray] = {}
    unassigned: list[tuple[np.ndarray, str]] = []
    used = np.zeros(len(points), dtype=bool)

    def take(role: str, k: int) -> None:
        roles[role] = points[k]
        used[k] = True

    def group(mask) -> np.ndarray:
        return np.flatnonzero(mask & ~used & near)

    x = points[:, 0]
    # outside the print: behind the heel, beside the heel, beside the ball, ahead of the toes
    behind = group(~inside & (x < 0.02 * length))
    if len(behind):
        take("rearmost", behind[np.argmin(x[behind])])
    for region, names in (((x < HEEL_REGION_OF_L * length), ("heel_width_medial", "heel_width_lateral")),
                          ((np.abs(beyond_ball) < BALL_PIN_REACH_MM), ("ball_width_medial", "ball_width_lateral"))):
        for name, sign in zip(names, (1, -1)):
            found = group(~inside & region & (sign * points[:, 1] > 0))
            if len(found):
                take(name, found[np.argmax(sign * points[found, 1])])
    ahead = group(~inside & (x > 0.85 * length))
    if len(ahead):
        take("foremost", ahead[np.argmax(x[ahead])])
    # inside the print: the heel centre is the rearmost; behind the metatarsal heads, the medial
    # pins are the heel spur point and the arch support (in that order), the lateral one the base
    # of the 5th metatarsal; the forefoot's pins are the heads (and the met-pad pin), then the toes
    heel = group(inside & (x < HEEL_REGION_OF_L * length))
    if len(heel):
        take("heel_center", heel[np.argmin(x[heel])])
        midline = 0.5 * (ball_medial[1] + ball_lateral[1])
        mid = group(inside & (x < MIDFOOT_REGION_OF_L * length))
        medial = mid[points[mid, 1] > midline]
        medial = medial[np.argsort(x[medial])]
        if len(medial) == 2:
            take("heel_spur", medial[0])
            take("arch_support", medial[1])
        elif len(medial) == 1:
            take("heel_spur" if x[medial[0]] < HEEL_REGION_OF_L * length else "arch_support", medial[0])
        lateral = mid[points[mid, 1] <= midline]
        if len(lateral) == 1:
            take("mt5_base", lateral[0])
    fore = group(inside & (x >= MIDFOOT_REGION_OF_L * length))
    heads, toes = _split_heads_from_toes(fore, beyond_ball)
    _assign_forefoot(points, heads, u, distal, take)
    if len(toes) == 5:
        for name, k in zip(TOE_NAMES, toes[np.argsort(-points[toes] @ u)]):
            take(name, k)
    for k in np.flatnonzero(~used):
        why = (f"more than {NEAR_FOOT_MM:g} mm from the print" if not near[k]
               else "no role of the marking scheme fits where it lies (or the pins of its group do not "
                    "number as the scheme has them)")
        unassigned.append((points[k], why))
    return PinRoles(roles, unassigned)


def _split_heads_from_toes(found: np.ndarray, beyond_ball: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The forefoot's pins in two rows along the foot: the heads (and met-pad pin) behind the
    widest gap in their distance beyond the ball line, the toe tips ahead of it."""
    if len(found) < 2:
        return found, found[:0]
    order = found[np.argsort(beyond_ball[found])]
    gaps = np.diff(beyond_ball[order])
    # the scheme's row: five heads and the met-pad pin (or the heads alone), then a wide gap
    for row in (6, 5):
        if len(order) > row and gaps[row - 1] >= TOE_GAP_MM:
            return order[:row], order[row:]
    wide = np.flatnonzero(gaps >= TOE_GAP_MM)
    if not len(wide):
        return order, order[:0]
    k = int(wide[0])          # otherwise the first wide gap from the heel: heads behind it, toes beyond
    return order[:k + 1], order[k + 1:]


def _assign_forefoot(points, found, u, distal, take) -> None:
    """Five metatarsal heads in a row across the foot (MTH1 the most medial) and the met-pad pin
    standing behind that row between two heads; with another count the heads are not guessed."""
    if len(found) not in (5, 6):
        return
    across, along = points[found] @ u, points[found] @ distal
    pelotte = None
    if len(found) == 6:
        behind = np.full(len(found), -np.inf)
        for k in range(len(found)):
            others = np.delete(np.arange(len(found)), k)
            others = others[np.argsort(across[others])]
            if across[others[0]] < across[k] < across[others[-1]]:     # between two heads, not beyond the row
                row = np.interp(across[k], across[others], along[others])
                behind[k] = row - along[k]
        best = int(np.argmax(behind))
        if behind[best] < PELOTTE_BEHIND_HEADS_MM:
            return
        pelotte = found[best]
        found = np.delete(found, best)
    for name, k in zip(HEAD_NAMES, found[np.argsort(-points[found] @ u)]):
        take(name, k)
    if pelotte is not None:
        take("met_pad_center", pelotte)
