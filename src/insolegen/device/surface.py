"""The design surfaces: the device's top z_t(x, y) as the sum of the features' fields
(``device.features``, each declared once), and its bottom z_b(x, y). Pure numpy over points in
the canonical frame (mm). This module lays the context out for a foot and a prescription
(``make_context``) and solves the medial arch's amplitude.

All blends use the quintic smoothstep, so every field is C2 except the heel-cup wall at the
outline's own corners.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from insolegen.device.context import ArchLayout, Context, Points
from insolegen.device.contour import SoleSurface
from insolegen.device.features import FEATURES, top_surface
from insolegen.device.features.medial_arch import arch_shape
from insolegen.device.features.met_pad import met_pad_centre
from insolegen.device.features.midfoot_pads import ON_THE_ARCH, pad_centre
from insolegen.device.features.top_cover import FEATURE as TOP_COVER
from insolegen.device.plan import Plan, ball_frame
from insolegen.device.prescription import Prescription
from insolegen.errors import InvalidInput
from insolegen.feet.foot import Foot, heel_pad_centre
from insolegen.geometry.arrays import hull_span_at
from insolegen.geometry.polygon import border_profiles
from insolegen.geometry.ramps import ramp_down, ramp_up
from insolegen.measure.quantities import ARCH_WINDOW
from insolegen.measure.rearfoot import SEAT_CENTRE

ARCH_WIDTH_OF_BALL = 0.45
MOTION_GRIND_MAX_OF_LENGTH = 0.08
SHELL_SOFTNESS_MM = 0.3


def thickness_at(xy: np.ndarray, plan: Plan, c: Context) -> np.ndarray:
    """The device's thickness (top minus bottom) at each point, from the design surfaces."""
    p = Points.of(xy, plan, c)
    top = top_surface(p, c)
    return top - bottom_surface(p, c, top)


def bottom_surface(p: Points, c: Context, top: np.ndarray | None = None) -> np.ndarray:
    """Solid: the ground, bevelled at the heel by an extrinsic post's motion grind.
    Shell: follows the top at shell thickness under the midfoot; heel and forefoot on the ground."""
    rx = c.rx
    if rx.device.mode == "shell":
        top = top_surface(p, c) if top is None else top
        k = SHELL_SOFTNESS_MM
        lifted = k * np.logaddexp(0.0, (top - rx.device.shell_thickness_mm) / k)
        bottom = lifted * ramp_up(p.x, *c.rear_end) * ramp_down(p.x, *c.fore_start)
    else:
        bottom = np.zeros_like(p.x)
    post = rx.rearfoot_post
    if post.kind == "extrinsic" and post.motion_grind_deg > 0:
        slope = np.tan(np.radians(post.motion_grind_deg))
        room = rx.device.base_thickness_mm - 1.5
        grind = min(MOTION_GRIND_MAX_OF_LENGTH * c.length, max(room, 0.0) / slope)
        if grind > 0:
            u = np.clip((c.back_x + grind - p.x) / grind, 0.0, 1.0)
            bottom = bottom + slope * grind * u * u  # quadratic: tangent to the ground where it starts
    return bottom


# ---- the context ----------------------------------------------------------------------------

def make_context(foot: Foot, plan: Plan, rx: Prescription, sole: SoleSurface | None = None, pressure=None) -> Context:
    """``sole``: follow the scanned sole (total contact). The arch then scales the sole's
    midfoot: by arch.fill_frac (1.0 meets the scanned arch), or so that the medial apex stands
    at arch.height_mm."""
    lm, length = foot.landmarks, foot.length_mm
    # the rearfoot is laid out from the heel's outline (its back and its width), not from the heel's
    # load centre: a landmark read or corrected elsewhere moves no rearfoot feature
    heel = heel_pad_centre(foot.outline)
    y_max, y_min = border_profiles(foot.outline, heel[:1])
    mth5 = lm["mth5_head"].xy
    point, u, n = ball_frame(foot)
    back_x = float(plan.outline[:, 0].min())
    offload, offload_info = ((), {})
    if rx.offload.wanted:
        from insolegen.device.offload import offload_sites

        offload, offload_info = offload_sites(foot, rx, plan.outline, pressure)
    ctx = Context(
        rx=rx, length=length, heel=heel, heel_width=float(y_max[0] - y_min[0]),
        mth1=lm["mth1_head"].xy, mth2=lm["mth2_head"].xy, mth5=mth5, pad_centre=met_pad_centre(foot, rx),
        midfoot_pads={which: pad_centre(plan, lm["navicular"].xy, rx, which) for which in ("navicular", "cuboid")},
        ball_width=foot.measures["ball_width"].value,
        ball_point=point, ball_dir=u, ball_normal=n,
        # the heel's edges (a post's pivot, a skive's top) at the station where `measure` reads them
        rear_y=hull_span_at(plan.outline, back_x + SEAT_CENTRE * length),
        fore_y=plan.extreme_y(mth5[0] - 0.06 * length, np.inf),
        back_x=back_x,
        arch=arch_layout(foot, rx),          # its amplitude is solved on this very context, then set
        sole=sole, pressure=pressure, offload=offload, offload_info=offload_info,
    )
    if sole is not None and rx.arch.fill_frac is not None:
        # the fill scales the scanned midfoot itself; the arch height is what that makes
        filled = replace(ctx.arch, amplitude=rx.arch.fill_frac)
        target = float(top_surface(_arch_samples(plan, replace(ctx, arch=filled)), replace(ctx, arch=filled), SOLVED_WITHOUT).max())
        arch = replace(filled, target=target, height_how=f"arch.fill_frac {rx.arch.fill_frac:g} x the scanned sole's midfoot, on the base")
    else:
        arch = replace(ctx.arch, amplitude=solve_arch_amplitude(plan, ctx))
    return replace(ctx, arch=arch)


def arch_layout(foot: Foot, rx: Prescription) -> ArchLayout:
    """Where the arch is and how high, and how each was decided."""
    length, meas, lm = foot.length_mm, foot.arch, foot.landmarks
    if isinstance(rx.arch.apex_frac, float):
        apex, apex_how = rx.arch.apex_frac * length, "prescribed arch.apex_frac"
    elif meas.apex_mm is not None:
        apex, apex_how = meas.apex_mm, "measured arch apex"
    else:
        apex, apex_how = lm["navicular"].x, f"navicular landmark ({lm['navicular'].how})"
    ball_x = lm["ball_medial"].x
    if rx.arch.length_mm is not None:
        start, end, extent_how = apex - 0.45 * rx.arch.length_mm, apex + 0.55 * rx.arch.length_mm, "prescribed arch.length_mm"
    else:
        start, end, extent_how = 0.30 * ball_x, 0.88 * ball_x, "landmarks (0.30 and 0.88 of ball-of-foot length)"
        if meas.start_mm is not None or meas.end_mm is not None:
            extent_how = "measured arch start/end"
        start = meas.start_mm if meas.start_mm is not None else start
        end = meas.end_mm if meas.end_mm is not None else end
    start, end = min(start, apex - 10.0), max(end, apex + 10.0)
    if rx.arch.fill_frac is not None:
        if meas.height_mm is None:
            raise InvalidInput(
                f"arch.fill_frac = {rx.arch.fill_frac:g} needs the foot's measured arch height: give "
                "--arch-height-mm (or arch_height_mm in the outline's JSON), or use arch.height_mm instead"
            )
        target, height_how = rx.arch.fill_frac * meas.height_mm, f"arch.fill_frac x measured arch height {meas.height_mm:g} mm"
    else:
        target, height_how = rx.arch.height_mm, "prescribed arch.height_mm"
    width = rx.arch.width_mm or ARCH_WIDTH_OF_BALL * foot.measures["ball_width"].value
    return ArchLayout(float(apex), float(start), float(end), float(width), float(target), apex_how, extent_how, height_how)


ARCH_REGION_OF_LENGTH = (0.30, 0.60)   # the arch's highest point is solved over this stretch of L
SOLVED_WITHOUT = ON_THE_ARCH + (TOP_COVER.name,)   # what the arch is solved beneath
ARCH_EDGE_MARGIN = 0.01      # of L: the measure's own axes may be turned a little from these


def _arch_samples(plan: Plan, c: Context) -> Points:
    """The medial half of the midfoot, over ARCH_REGION_OF_LENGTH: from where `insolegen measure`
    starts looking for the arch apex (30 % of the foot length) to a little beyond where it stops
    (58 %), so that nothing else it sees there (a flange, the post, the cup's end) stands above
    the apex. Not from further back: a cup's wall or a scanned sole's rim standing high there
    would hold the arch down, and the measure would rightly find it short."""
    # from the device's back, as the measure counts (an outline offset puts it behind the heel)
    # from a little before where the measure starts: its own axes and length may put its start there
    lo, hi = (c.back_x + f * c.length for f in (ARCH_REGION_OF_LENGTH[0] - ARCH_EDGE_MARGIN, ARCH_REGION_OF_LENGTH[1]))
    xs = np.arange(lo, hi, 1.0)
    half = 0.5 * (plan.medial_border(xs) - plan.lateral_border(xs))
    t = np.linspace(0.0, 1.0, 41)
    gx, gt = np.meshgrid(xs, t)
    x = gx.ravel()
    xy = np.column_stack([x, plan.medial_border(x) - (gt * half[None, :]).ravel()])
    return Points.of(xy, plan, c)


ARCH_SOLVE_SHAPE = 0.5
ARCH_MEASURED_TO = ARCH_WINDOW[1]     # of L: the end of the measure's arch window (read from it, not copied)
ARCH_FLANK_SLACK_MM = 0.25     # the flank may stand this much over the target (half the measure's tolerance)


def _what_lifts(p: Points, c: Context, k: int) -> str:
    """The prescribed feature that lifts sample ``k`` the most, as the prescription names it."""
    lifts = {f.amount: float(np.broadcast_to(f.field(p, c), p.x.shape)[k]) for f in FEATURES if f.amount is not None}
    best = max(lifts, key=lifts.get) if lifts else None
    return best if best and lifts[best] > 0 else "the base"


def solve_arch_amplitude(plan: Plan, c: Context) -> float:
    """The arch amplitude that puts the highest point of the medial midfoot at the target height
    (the other features also lift the midfoot, so this is solved, not assumed). With h_i the
    height without the arch and s_i the arch's shape at sample i, the highest point is
    max(h_i + a s_i): it reaches the target first at a = min over s_i > 0 of (target - h_i) / s_i."""
    p = _arch_samples(plan, c)
    shape = arch_shape(p, c)
    # amplitude 0 in c.arch; a navicular pad adds on the arch, and a cover is laid on the device so solved
    rest = top_surface(p, c, leaving_out=SOLVED_WITHOUT)
    target = c.arch.target
    # the arch's own upper half decides (at its tail a deep heel cup's wall can already stand at
    # the target, which would leave the arch itself unlifted), and only where the measure will look:
    # a point past its window that reached the target first would hold the arch short of it there
    lifted = (shape >= ARCH_SOLVE_SHAPE) & (p.x <= c.back_x + (ARCH_MEASURED_TO - ARCH_EDGE_MARGIN) * c.length)
    amplitude = float(np.min((target - rest[lifted]) / shape[lifted]))
    beside = float(rest[~lifted].max()) if (~lifted).any() else -np.inf
    flank = rest + max(amplitude, 0.0) * shape
    seen = ~lifted & (p.x <= c.back_x + ARCH_MEASURED_TO * c.length)   # where `insolegen measure` looks for the apex
    k = int(np.argmax(np.where(seen, flank, -np.inf)))
    if seen[k] and flank[k] > target + ARCH_FLANK_SLACK_MM and beside <= target + 1e-6:
        # the arch's flank stacked on what already lifts the medial midfoot there (a forefoot post
        # rising under the medial ball, a cup's wall) would stand above the arch itself
        cause = _what_lifts(p, c, k)
        raise InvalidInput(
            f"arch height {target:g} mm: the medial midfoot would stand {flank[k]:.1f} mm at {p.x[k] / c.length:.0%} of the "
            f"foot length, above the arch's own apex, where the arch's flank meets {cause} (the device stands "
            f"{rest[k]:.1f} mm there without the arch); lower {cause} or raise the arch"
        )
    if amplitude < 0 or beside > target + 1e-6:
        below = max(float(rest.max()), beside)
        raise InvalidInput(
            f"arch height {target:g} mm ({c.arch.height_how}) is below the device's own height in the medial "
            f"midfoot ({below:.1f} mm from base thickness, heel lift, posting, heel cup and flanges"
            f"{', the scanned sole' if c.sole is not None else ''}); raise the arch or lower those"
        )
    return amplitude
