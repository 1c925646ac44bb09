"""Random prescriptions over the whole documented space (sizes EU35-48 in every width, both sides,
every profile, every numeric field within its documented range, every device length and mode,
a quarter of them in a shoe whose sock-liner is one to three sizes larger and as wide or wider, a
quarter of a shoe style, beyond whose limits three in four are made with --accept-shoe),
and what one draw gives when designed and verified in full. Used by tests/test_verification_sweep.py
(500 draws in CI) and benchmarks/bench_sweep.py (2,000 draws, the error distribution)."""
from __future__ import annotations

import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from insolegen.device.prescription import describe_fields
from insolegen.device.profiles import list_profiles
from insolegen.shoe.styles import STYLES

SKIP_FIELDS = {"arch.apex_frac", "arch.fill_frac", "arch.length_mm", "arch.width_mm",   # drawn apart, or need a measured arch
               "offload.above_kpa", "offload.above_percentile"}                             # need a pressure recording
SKIP_SECTIONS = ("zones.",)          # print settings for the 3MF: they do not shape the device
# fields that came after the sweep's draws were fixed: drawn apart, from the draw itself, so that
# every earlier draw stays what it was
LATER_SECTIONS = ("navicular_pad.", "cuboid_pad.", "lateral_skive.", "medial_skive.angle_deg", "heel_expansion.",
                  "device.shell_width_mm", "cover.")
OUTLINE_WIDTHS = ("heel_expansion.", "device.shell_width_mm")
ALTERNATIVES = {a: b for pair in (("medial_skive.depth_mm", "medial_skive.angle_deg"), ("lateral_skive.depth_mm", "lateral_skive.angle_deg"),
                                   ("heel_expansion.lateral_mm", "heel_expansion.lateral_pct")) for a, b in (pair, pair[::-1])}
FIRST_RAY_STEPS = ("accommodations.mortons_extension_mm", "accommodations.reverse_mortons_mm",
                   "accommodations.first_ray_cutout_mm")
SITES = ["mth1", "mth2", "mth3", "mth4", "mth5", "heel", "hallux"]
CHOICES = {"device.length": ["full", "sulcus", "three_quarter"], "device.mode": ["solid", "shell"],
           "rearfoot_post.kind": ["intrinsic", "extrinsic"]}


@dataclass
class Draw:
    size: str
    width: str
    side: str
    profile: str
    overrides: list[str]
    shoe: tuple[str, str] | None = None       # a sock-liner: the outline of a foot of this (size, width), the draw's side
    accept_shoe: bool = False                 # made beyond its shoe style's limits


@dataclass
class Outcome:
    status: str                        # "verified", "refused" (a named clinical reason), "not as prescribed", "error"
    message: str = ""
    errors: dict = field(default_factory=dict)     # quantity -> measured - prescribed (compared checks)
    oracle: dict = field(default_factory=dict)     # quantity -> the tests' own reading - prescribed


def draw(rng: random.Random) -> Draw:
    """One prescription: a profile, then 3-8 of its fields set anywhere in their documented ranges."""
    numeric = [r for r in describe_fields() if r["min"] is not None and r["field"] not in SKIP_FIELDS
               and not r["field"].startswith(SKIP_SECTIONS + LATER_SECTIONS)]
    chosen = rng.sample(numeric, rng.randint(3, 8))
    overrides = [f"{r['field']}={rng.uniform(r['min'], r['max']):.3f}" for r in chosen]
    for name, options in CHOICES.items():
        if rng.random() < 0.3:
            overrides.append(f'{name}="{rng.choice(options)}"')
    if any(o.startswith("rearfoot_post.motion_grind_deg") for o in overrides) and rng.random() < 0.8:
        overrides.append('rearfoot_post.kind="extrinsic"')       # mostly the combination that is valid
    if rng.random() < 0.2:
        overrides.append(f"arch.apex_frac={rng.uniform(0.35, 0.5):.3f}")
    if rng.random() < 0.25:
        overrides.append(f"offload.sites={rng.sample(SITES, rng.randint(1, 3))}")
    number = rng.randint(35, 47)
    size = f"EU{number}{'.5' if rng.random() < 0.5 else ''}"
    d = Draw(size, rng.choice(["narrow", "medium", "wide"]), rng.choice(["left", "right"]),
             rng.choice(sorted(list_profiles())), overrides)
    # in a shoe: a sock-liner one to three sizes larger, as wide as the foot or wider; drawn from
    # the draw itself, so that the sweep's draws are the ones they were before shoes came
    own = random.Random(f"{d.size} {d.width} {d.side} {d.profile} {d.overrides}")
    if own.random() < 0.25:
        widths = ["narrow", "medium", "wide"]
        d.shoe = (f"EU{number + own.randint(1, 3)}", own.choice(widths[widths.index(d.width):]))
    if own.random() < 0.25:           # a shoe style; beyond its limits, made half the time (--accept-shoe)
        d.overrides.append(f'shoe.style="{own.choice(STYLES)}"')
        d.accept_shoe = own.random() < 0.75
    if own.random() < 0.3:
        later = [r for r in describe_fields() if r["field"].startswith(LATER_SECTIONS) and r["min"] is not None
                 and not (d.shoe and r["field"].startswith(OUTLINE_WIDTHS))]        # a shoe's liner shapes the outline instead
        chosen = own.sample(later, own.randint(1, 3))
        names = {r["field"] for r in chosen}
        # a field given one way is not given the other way too (a skive's depth or angle, an expansion's mm or share)
        chosen = [r for r in chosen if ALTERNATIVES.get(r["field"]) not in names or r["field"] < ALTERNATIVES[r["field"]]]
        d.overrides += [f"{r['field']}={own.uniform(r['min'], r['max']):.3f}" for r in chosen]
        d.overrides += [f"{ALTERNATIVES[r['field']]}=0" for r in chosen if r["field"].endswith(("_deg", "_pct"))]   # instead of the mm
        if any(r["field"] == "cover.thickness_mm" for r in chosen):
            d.overrides.append(f'cover.length="{own.choice(["full", "sulcus", "met"])}"')
        if any(r["field"].startswith("lateral_skive.") for r in chosen) and own.random() < 0.8:
            # mostly the combination that is valid: no medial skive, a level or valgus post
            d.overrides += ["medial_skive.depth_mm=0", f"rearfoot_post.angle_deg={-own.uniform(0, 4):.3f}"]
    # a first-ray step is 0 or at least MIN_FIRST_RAY_STEP_MM (a smaller one is refused): one drawn
    # below that is moved up by it, after the draw's own choices, so that those stay as they were
    d.overrides = [_step_at_least(o) for o in d.overrides]
    return d


def _step_at_least(override: str) -> str:
    from insolegen.device.prescription import MIN_FIRST_RAY_STEP_MM

    name, _, value = override.partition("=")
    if name in FIRST_RAY_STEPS and 0 < float(value) < MIN_FIRST_RAY_STEP_MM:
        return f"{name}={float(value) + MIN_FIRST_RAY_STEP_MM:.3f}"
    return override


def liner_file(size: str, width: str, side: str) -> Path:
    """A sock-liner tracing (CSV, mm): the outline of a foot of ``size`` and ``width``, ``side``'s way round."""
    import numpy as np

    from insolegen import foot_from_size

    path = Path(tempfile.gettempdir()) / f"insolegen-liner-{os.getpid()}-{size}-{width}-{side}.csv"
    if not path.is_file():
        outline = foot_from_size(size, width).outline * ([1.0, -1.0] if side == "left" else [1.0, 1.0])
        np.savetxt(path, outline, delimiter=",")
    return path


def run_draw(d: Draw, oracle: bool = False) -> Outcome:
    """Design and verify the draw in full (``insolegen.design``); with ``oracle``, read the
    verified device again by the tests' own ray casting (``oracle_errors``)."""
    from insolegen import design, foot_from_size, load_prescription
    from insolegen.errors import DesignFailed, InvalidInput

    try:
        rx = load_prescription(d.profile, d.overrides)
        shoe = None if d.shoe is None else liner_file(*d.shoe, d.side)
        case = design(foot_from_size(d.size, d.width), rx, sides=(d.side,), formats="stl,json", shoe=shoe,
                      accept_shoe=d.accept_shoe)
    except DesignFailed as exc:
        status = "not as prescribed" if "does not measure as prescribed" in str(exc) else "refused"
        return Outcome(status, str(exc))
    except InvalidInput as exc:
        return Outcome("refused", str(exc))
    except Exception as exc:                # a bug
        return Outcome("error", f"{type(exc).__name__}: {exc}")
    errors = {c["quantity"]: c["measured"] - c["prescribed"] for c in case.verification["checks"]
              if c["compared"] and c["measured"] is not None}
    return Outcome("verified", "", errors, oracle_errors(case.designs[d.side]) if oracle else {})


def oracle_errors(design) -> dict:
    """The tests' own reading of the device (vertical ray casting and plane fits by trimesh, in
    the design's frame, none of `insolegen.measure`) minus the prescription: the arch's apex and
    the rearfoot post (fitted on the half of the heel a skive adds nothing to, away from a pocket)."""
    import numpy as np
    import trimesh
    from oracle import fit_plane, grid, tilt_deg_about_x, top_heights

    ctx, plan, rx = design.context, design.plan, design.prescription
    vertices, faces = design.right_frame_mesh()
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    foot, back = ctx.length, ctx.back_x
    found = {}

    xs = np.arange(back + 0.5 * foot, plan.outline[:, 0].max(), 1.0)
    ball_x = xs[np.argmax(plan.medial_border(xs) - plan.lateral_border(xs))]       # the widest column
    pts = grid((back + 0.30 * foot, min(back + 0.58 * foot, ball_x - 0.03 * foot)), (-80, 80), 1.0)
    middle = 0.5 * (plan.medial_border(pts[:, 0]) + plan.lateral_border(pts[:, 0]))
    medial = pts[pts[:, 1] > middle]
    apex = float(np.nanmax(top_heights(mesh, medial)))
    # a navicular pad stands on the arch: the apex lies between the arch's height and that plus the pad's
    pad = rx.navicular_pad.height_mm
    # a top cover lies over the arch: the device alone stands its thickness lower there
    above = apex - (ctx.arch.target - rx.cover.thickness_mm)
    found["arch_apex_height_mm"] = above - float(np.clip(above, 0.0, pad))

    # the half a skive adds nothing to: the lateral one, or the medial one under a lateral skive
    lateral_skive = rx.lateral_skive.depth_mm or rx.lateral_skive.angle_deg
    across = (ctx.heel[1] + 2.0, ctx.heel[1] + 8.0) if lateral_skive else (ctx.heel[1] - 8.0, ctx.heel[1] - 2.0)
    seat = grid((back + 0.09 * foot, back + 0.16 * foot), across, 0.5)
    acc = rx.accommodations
    if acc.heel_spur_pocket_mm:
        away = np.hypot(*(seat - ctx.pocket_centre).T) > acc.heel_spur_pocket_diameter_mm / 2 + 1.0
        seat = seat[away]
    for site in ctx.offload:                            # and away from an offload pocket
        seat = seat[np.hypot(*(seat - site.xy).T) > site.radius_mm + 1.0]
    z = top_heights(mesh, seat)
    if np.isfinite(z).sum() >= 20:
        coef, _ = fit_plane(seat, z)
        found["rearfoot_post_deg"] = tilt_deg_about_x(coef) - rx.rearfoot_post.angle_deg
    return found
