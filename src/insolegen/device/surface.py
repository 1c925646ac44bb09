"""The design surfaces: the device's top z_t(x, y) as a sum of smooth feature fields, and its
bottom z_b(x, y). Pure numpy over points in the canonical frame (mm).

Each feature is a small function ``f(p, c) -> dz`` of the sample points ``p`` and the design
context ``c`` (landmarks, plan, prescription). All blends use the quintic smoothstep, so every
field is C2 except the heel-cup wall at the outline's own corners.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from insolegen.device.contour import SoleSurface
from insolegen.device.plan import Plan, ball_frame
from insolegen.device.prescription import Prescription
from insolegen.errors import InvalidInput
from insolegen.feet.foot import Foot, heel_pad_centre
from insolegen.feet.priors import AUTHORITATIVE
from insolegen.geometry.arrays import hull_span_at
from insolegen.geometry.polygon import border_profiles
from insolegen.geometry.ramps import ramp_down, ramp_up, smoothstep
from insolegen.measure.quantities import ARCH_WINDOW
from insolegen.measure.rearfoot import SEAT_CENTRE

ARCH_PLATEAU_MM = 4.0        # the arch keeps its full height this far in from the medial border
ARCH_WIDTH_OF_BALL = 0.45
CUP_WALL_OF_HEEL = 0.30      # the heel-cup wall rises over this fraction of the heel width
POCKET_WALL_MM = 4.0
SKIVE_SMOOTHING = 0.1
MOTION_GRIND_MAX_OF_LENGTH = 0.08
SHELL_SOFTNESS_MM = 0.3


@dataclass(frozen=True)
class Points:
    """Sample points and what every field needs about them. Arrays of shape (n,)."""
    x: np.ndarray
    y: np.ndarray
    d_edge: np.ndarray     # distance to the device's outline (inf beyond the context's edge_reach)
    d_medial: np.ndarray   # y_medial_border(x) - y
    d_lateral: np.ndarray  # y - y_lateral_border(x)

    @classmethod
    def of(cls, xy: np.ndarray, plan: Plan, c: "Context") -> "Points":
        """The distance to the edge is needed only behind ``c.edge_x_max`` and within
        ``c.edge_reach`` of the edge (inf elsewhere: the KD-tree search stops early)."""
        x, y = xy[:, 0], xy[:, 1]
        d_edge = np.full(len(x), np.inf)
        near = (x < c.edge_x_max) if c.rx.heel_cup.depth_mm else np.zeros(len(x), bool)   # only the cup reads it
        d_edge[near] = plan.distance_to_edge(xy[near], c.edge_reach)
        return cls(x, y, d_edge, plan.medial_border(x) - y, y - plan.lateral_border(x))


@dataclass(frozen=True)
class Context:
    rx: Prescription
    length: float                 # foot length L
    heel: np.ndarray              # the heel seat's centre (x, y): from the outline alone (heel_pad_centre)
    heel_width: float             # the outline's width across the heel seat
    mth1: np.ndarray              # joint centres of the 1st, 2nd and 5th metatarsal heads
    mth2: np.ndarray
    mth5: np.ndarray
    pad_centre: np.ndarray        # where the met pad is centred
    ball_width: float
    ball_point: np.ndarray        # on the ball line
    ball_dir: np.ndarray          # along the ball line, lateral -> medial
    ball_normal: np.ndarray       # distal
    rear_y: tuple[float, float]   # lateral / medial edges of the heel (at the seat's centre station)
    fore_y: tuple[float, float]   # ... under the forefoot
    back_x: float                 # the device's posterior-most x (behind 0 with an outline offset)
    sole: SoleSurface | None = None   # --contour scan: the scanned sole the top follows
    pressure: object | None = None    # feet.pressure.PressureMap on this foot, when a recording was given
    offload: tuple = ()               # device.offload.Site: where the relief pockets are
    offload_info: dict = field(default_factory=dict)
    arch: dict = field(default_factory=dict)   # apex_x, start_x, end_x, width, target, how, amplitude

    def ball_distance(self, p: Points) -> np.ndarray:
        """Signed distance from the ball line, + distal."""
        return (p.x - self.ball_point[0]) * self.ball_normal[0] + (p.y - self.ball_point[1]) * self.ball_normal[1]

    # landmark-derived extents, in one place so features and docs agree
    @property
    def edge_x_max(self) -> float:
        """Only the heel cup uses the distance to the edge, and only behind this x."""
        return self.heel[0] + 0.17 * self.length + 1.0

    @property
    def edge_reach(self) -> float:
        """No feature looks further from the edge than this: the heel cup's wall, and a margin."""
        return CUP_WALL_OF_HEEL * self.heel_width + 1.0

    @property
    def lateral_arch_span(self) -> tuple[float, float]:
        """The lateral arch's centre along the foot and its half-length."""
        return 0.62 * self.mth5[0], 0.12 * self.length

    @property
    def first_ray_split(self) -> float:
        """The line between the first ray and the lesser rays: midway between MTH1 and MTH2."""
        return 0.5 * (self.mth1[1] + self.mth2[1])

    @property
    def midfoot_span(self) -> tuple[float, float]:
        """Where the flanges stand at full height along the foot (they fade over 15 mm beyond)."""
        return self.heel[0] + 0.1 * self.length, self.mth1[0] - 0.12 * self.length

    @property
    def rear_end(self) -> tuple[float, float]:
        """The rearfoot features hold to the first x and fade out by the second."""
        return self.heel[0] + 0.10 * self.length, self.heel[0] + 0.32 * self.length

    @property
    def pocket_centre(self) -> np.ndarray:
        """The heel-spur pocket's centre: under the plantar fascia's origin, ahead of and medial
        to the heel's centre."""
        return self.heel + [0.04 * self.length, 0.1 * self.heel_width]

    @property
    def fore_start(self) -> tuple[float, float]:
        """The forefoot features fade in between these x and hold beyond."""
        return self.mth5[0] - 0.20 * self.length, self.mth5[0] - 0.06 * self.length


# ---- the features -------------------------------------------------------------------------

def _absent(p: Points) -> np.ndarray:
    """A feature not prescribed adds nothing, and its field is not worked out (most of a
    prescription's features are absent, and the fields are evaluated at every point the mesher tries)."""
    return np.zeros_like(p.x)


def base_thickness(p: Points, c: Context):
    heel, fore = c.rx.device.base_thickness_mm, c.rx.forefoot_thickness
    return heel + (fore - heel) * ramp_up(p.x, c.heel[0], c.mth5[0] - 0.08 * c.length)


def _sole_arch_window(p: Points, c: Context):
    """1 over the midfoot (where the arch is solved and measured), 0 under heel and forefoot."""
    return ramp_up(p.x, 0.15 * c.length, 0.25 * c.length) * ramp_down(p.x, 0.62 * c.length, 0.72 * c.length)


def scanned_sole(p: Points, c: Context):
    """Total contact: the smoothed scanned sole, seated on the base, under heel and forefoot
    (the midfoot's share is the arch's shape, scaled to the prescribed arch)."""
    if c.sole is None:
        return np.zeros_like(p.x)
    return c.sole.height(p.x, p.y) * (1.0 - _sole_arch_window(p, c))


def heel_lift(p: Points, c: Context):
    if not c.rx.heel_lift.height_mm:
        return _absent(p)
    return c.rx.heel_lift.height_mm * ramp_down(p.x, c.heel[0] + 0.1 * c.length, 0.8 * c.mth5[0])


def heel_cup(p: Points, c: Context):
    if not c.rx.heel_cup.depth_mm:
        return _absent(p)
    wall = CUP_WALL_OF_HEEL * c.heel_width
    along = ramp_down(p.x, c.heel[0] + 0.03 * c.length, c.edge_x_max - 1.0)
    return c.rx.heel_cup.depth_mm * along * smoothstep(1.0 - p.d_edge / wall)


def rearfoot_post(p: Points, c: Context):
    if not c.rx.rearfoot_post.angle_deg:
        return _absent(p)
    angle = c.rx.rearfoot_post.angle_deg
    pivot = c.rear_y[0] if angle > 0 else c.rear_y[1]   # the wedge rises from the low side
    return np.tan(np.radians(angle)) * (p.y - pivot) * ramp_down(p.x, *c.rear_end)


def medial_skive(p: Points, c: Context):
    if not c.rx.medial_skive.depth_mm:
        return _absent(p)
    t = (p.y - c.heel[1]) / (c.rear_y[1] - c.heel[1])
    e = SKIVE_SMOOTHING
    wedge = np.where(t < e, np.clip(t, 0, None) ** 2 / (2 * e), t - e / 2) / (1 - e / 2)
    along = ramp_down(p.x, c.heel[0] + 0.08 * c.length, c.heel[0] + 0.2 * c.length)
    return c.rx.medial_skive.depth_mm * wedge * along


def forefoot_post(p: Points, c: Context):
    if not c.rx.forefoot_post.angle_deg:
        return _absent(p)
    angle = c.rx.forefoot_post.angle_deg
    pivot = c.fore_y[0] if angle > 0 else c.fore_y[1]
    return np.tan(np.radians(angle)) * (p.y - pivot) * ramp_up(p.x, *c.fore_start)


def arch_shape(p: Points, c: Context):
    """The medial arch's shape, 1 at the apex plateau; scaled by the solved amplitude. With a
    scanned sole, the sole's own midfoot (an amplitude of 1 is the scanned arch)."""
    if c.sole is not None:
        return c.sole.height(p.x, p.y) * _sole_arch_window(p, c)
    a = c.arch
    along = np.where(p.x <= a["apex_x"], ramp_up(p.x, a["start_x"], a["apex_x"]), ramp_down(p.x, a["apex_x"], a["end_x"]))
    across = ramp_down(p.d_medial, ARCH_PLATEAU_MM, a["width"])
    return along * across


def medial_arch(p: Points, c: Context):
    if not c.arch.get("amplitude", 0.0):
        return _absent(p)
    return c.arch.get("amplitude", 0.0) * arch_shape(p, c)


def lateral_arch(p: Points, c: Context):
    if not c.rx.lateral_arch.height_mm:
        return _absent(p)
    centre, half = c.lateral_arch_span
    along = smoothstep(1.0 - np.abs(p.x - centre) / half)
    return c.rx.lateral_arch.height_mm * along * ramp_down(p.d_lateral, ARCH_PLATEAU_MM, 0.25 * c.ball_width)


def met_pad_centre(foot: Foot, rx: Prescription) -> np.ndarray:
    """Where the met pad goes: where a person put it (a clinician's met-pad pin or correction, a
    met_pad_center given in the outline file), else met_pad.offset_mm behind the midpoint of the 2nd
    and 3rd metatarsal heads along the foot axis (their shafts run along it)."""
    pad = foot.landmarks["met_pad_center"]
    if pad.how in AUTHORITATIVE:
        return pad.xy
    lm = foot.landmarks
    return 0.5 * (lm["mth2_head"].xy + lm["mth3_head"].xy) - [rx.met_pad.offset_mm, 0.0]


def met_pad(p: Points, c: Context):
    if not c.rx.met_pad.height_mm:
        return _absent(p)
    mp = c.rx.met_pad
    centre = c.pad_centre
    r = np.hypot((p.x - centre[0]) / (mp.length_mm / 2), (p.y - centre[1]) / (mp.width_mm / 2))
    return mp.height_mm * smoothstep(1.0 - r)


def met_bar(p: Points, c: Context):
    if not c.rx.met_bar.height_mm:
        return _absent(p)
    mb = c.rx.met_bar
    s = c.ball_distance(p) + mb.offset_mm
    return mb.height_mm * smoothstep(1.0 - np.abs(s) / (mb.width_mm / 2))


def _first_ray(p: Points, c: Context):
    """1 under the first ray from just behind the 1st metatarsal head to the toe, else 0."""
    split = c.first_ray_split
    return ramp_up(p.y, split - 3, split + 3) * ramp_up(c.ball_distance(p), -20, -10)


def _lesser_rays(p: Points, c: Context):
    split = c.first_ray_split
    return ramp_down(p.y, split - 3, split + 3) * ramp_up(c.ball_distance(p), -20, -10)


def first_ray_cutout(p: Points, c: Context):
    if not c.rx.accommodations.first_ray_cutout_mm:
        return _absent(p)
    return -c.rx.accommodations.first_ray_cutout_mm * _first_ray(p, c)


def mortons_extension(p: Points, c: Context):
    if not c.rx.accommodations.mortons_extension_mm:
        return _absent(p)
    return c.rx.accommodations.mortons_extension_mm * _first_ray(p, c)


def reverse_mortons(p: Points, c: Context):
    if not c.rx.accommodations.reverse_mortons_mm:
        return _absent(p)
    return c.rx.accommodations.reverse_mortons_mm * _lesser_rays(p, c)


def pocket_wall_mm(diameter: float) -> float:
    """How wide a pocket's wall is: it slopes from the rim to the floor over this."""
    return min(POCKET_WALL_MM, diameter / 4)


def heel_spur_pocket(p: Points, c: Context):
    if not c.rx.accommodations.heel_spur_pocket_mm:
        return _absent(p)
    acc = c.rx.accommodations
    radius = acc.heel_spur_pocket_diameter_mm / 2
    centre = c.pocket_centre
    r = np.hypot(p.x - centre[0], p.y - centre[1])
    wall = pocket_wall_mm(acc.heel_spur_pocket_diameter_mm)
    return -acc.heel_spur_pocket_mm * ramp_down(r, radius - wall, radius)


def _midfoot_window(p: Points, c: Context):
    start, end = c.midfoot_span
    return ramp_up(p.x, start - 15, start) * ramp_down(p.x, end, end + 15)


def medial_flange(p: Points, c: Context):
    if not c.rx.accommodations.medial_flange_mm:
        return _absent(p)
    return c.rx.accommodations.medial_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_medial, 2, 14)


def lateral_flange(p: Points, c: Context):
    if not c.rx.accommodations.lateral_flange_mm:
        return _absent(p)
    return c.rx.accommodations.lateral_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_lateral, 2, 14)


def offload_pockets(p: Points, c: Context):
    """The deepest of the sites' pockets at each point (overlapping discs make one pocket)."""
    off = c.rx.offload
    if not c.offload:
        return np.zeros_like(p.x)
    share = np.zeros_like(p.x)
    for site in c.offload:
        wall = min(off.wall_mm, site.radius_mm / 2)
        r = np.hypot(p.x - site.xy[0], p.y - site.xy[1])
        share = np.maximum(share, ramp_down(r, site.radius_mm - wall, site.radius_mm))
    return -off.depth_mm * share


TOP_FEATURES = (
    base_thickness, scanned_sole, heel_lift, heel_cup, rearfoot_post, medial_skive, forefoot_post, medial_arch,
    lateral_arch, met_pad, met_bar, first_ray_cutout, mortons_extension, reverse_mortons,
    heel_spur_pocket, medial_flange, lateral_flange, offload_pockets,
)


def feature_places(c: Context) -> dict:
    """Where each prescribed feature was made and how big, in the right foot's frame (mm; heel at
    x = 0, +y medial): the record's ``derived.features``, which every picture and view reads
    instead of placing a feature again. Only the features the prescription has."""
    rx, acc = c.rx, c.rx.accommodations

    def xy(point) -> list[float]:
        return [round(float(v), 2) for v in point]

    places = {"medial_arch": {"apex_x": c.arch["apex_x"], "start_x": c.arch["start_x"], "end_x": c.arch["end_x"],
                              "width_mm": c.arch["width"], "height_mm": c.arch["target"]},
              "heel_seat": {"centre_mm": xy(c.heel), "width_mm": c.heel_width}}
    if rx.heel_cup.depth_mm:
        places["heel_cup"] = {"depth_mm": rx.heel_cup.depth_mm, "wall_mm": CUP_WALL_OF_HEEL * c.heel_width}
    if rx.met_pad.height_mm:
        mp = rx.met_pad
        places["met_pad"] = {"centre_mm": xy(c.pad_centre), "length_mm": mp.length_mm, "width_mm": mp.width_mm,
                             "height_mm": mp.height_mm}
    if rx.met_bar.height_mm:
        mb = rx.met_bar
        # the crest runs along the ball line, offset_mm behind it
        crest = c.ball_point - c.ball_normal * mb.offset_mm
        places["met_bar"] = {"crest_point_mm": xy(crest), "crest_direction": xy(c.ball_dir), "width_mm": mb.width_mm,
                             "height_mm": mb.height_mm}
    if rx.lateral_arch.height_mm:
        centre, half = c.lateral_arch_span
        places["lateral_arch"] = {"centre_x": round(float(centre), 2), "half_length_mm": round(half, 2),
                                  "height_mm": rx.lateral_arch.height_mm}
    if acc.heel_spur_pocket_mm:
        places["heel_spur_pocket"] = {"centre_mm": xy(c.pocket_centre), "diameter_mm": acc.heel_spur_pocket_diameter_mm,
                                      "depth_mm": acc.heel_spur_pocket_mm}
    rays = {"first_ray_cutout": -acc.first_ray_cutout_mm, "mortons_extension": acc.mortons_extension_mm,
            "reverse_mortons": acc.reverse_mortons_mm}
    for name, rise in rays.items():
        if rise:
            # the first ray medial of the line between the 1st and 2nd heads, from 20 mm behind the ball
            places[name] = {"split_y": round(float(c.first_ray_split), 2), "rise_mm": rise,
                            "from_ball_mm": -20.0}
    for name, height in (("medial_flange", acc.medial_flange_mm), ("lateral_flange", acc.lateral_flange_mm)):
        if height:
            start, end = c.midfoot_span
            places[name] = {"from_x": round(float(start), 2), "to_x": round(float(end), 2), "height_mm": height}
    if c.offload:
        places["offload"] = [{"site": s.name, "centre_mm": xy(s.xy), "radius_mm": s.radius_mm,
                              "depth_mm": rx.offload.depth_mm} for s in c.offload]
    return {name: ({k: (round(v, 3) if isinstance(v, float) else v) for k, v in place.items()} if isinstance(place, dict) else place)
            for name, place in places.items()}


def top_surface(p: Points, c: Context) -> np.ndarray:
    return sum(f(p, c) for f in TOP_FEATURES)


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
    base = Context(
        rx=rx, length=length, heel=heel, heel_width=float(y_max[0] - y_min[0]),
        mth1=lm["mth1_head"].xy, mth2=lm["mth2_head"].xy, mth5=mth5, pad_centre=met_pad_centre(foot, rx),
        ball_width=foot.measures["ball_width"].value,
        ball_point=point, ball_dir=u, ball_normal=n,
        # the heel's edges (a post's pivot, a skive's top) at the station where `measure` reads them
        rear_y=hull_span_at(plan.outline, back_x + SEAT_CENTRE * length),
        fore_y=plan.extreme_y(mth5[0] - 0.06 * length, np.inf),
        back_x=back_x,
        sole=sole,
        pressure=pressure,
    )
    if rx.offload.wanted:
        from insolegen.device.offload import offload_sites

        sites, info = offload_sites(foot, rx, plan.outline, pressure)
        base = replace(base, offload=sites, offload_info=info)
    arch = arch_layout(foot, rx)
    if sole is not None and rx.arch.fill_frac is not None:
        # the fill scales the scanned midfoot itself; the arch height is what that makes
        amplitude = rx.arch.fill_frac
        ctx = replace(base, arch={**arch, "amplitude": amplitude})
        target = float(top_surface(_arch_samples(plan, ctx), ctx).max())
        arch = {**arch, "target": target, "height_how": f"arch.fill_frac {amplitude:g} x the scanned sole's midfoot, on the base"}
    else:
        amplitude = solve_arch_amplitude(plan, replace(base, arch=arch))
    return replace(base, arch={**arch, "amplitude": amplitude})


def arch_layout(foot: Foot, rx: Prescription) -> dict:
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
    return {"apex_x": float(apex), "start_x": float(start), "end_x": float(end), "width": float(width),
            "target": float(target), "apex_how": apex_how, "extent_how": extent_how, "height_how": height_how}


ARCH_REGION_OF_LENGTH = (0.30, 0.60)   # the arch's highest point is solved over this stretch of L
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
    names = {"forefoot_post": "forefoot_post.angle_deg", "heel_cup": "heel_cup.depth_mm", "rearfoot_post": "rearfoot_post.angle_deg",
             "heel_lift": "heel_lift.height_mm", "medial_flange": "accommodations.medial_flange_mm",
             "met_pad": "met_pad.height_mm", "met_bar": "met_bar.height_mm"}
    lifts = {f.__name__: float(np.broadcast_to(f(p, c), p.x.shape)[k]) for f in TOP_FEATURES if f.__name__ in names}
    best = max(lifts, key=lifts.get) if lifts else None
    return names[best] if best and lifts[best] > 0 else "the base"


def solve_arch_amplitude(plan: Plan, c: Context) -> float:
    """The arch amplitude that puts the highest point of the medial midfoot at the target height
    (the other features also lift the midfoot, so this is solved, not assumed). With h_i the
    height without the arch and s_i the arch's shape at sample i, the highest point is
    max(h_i + a s_i): it reaches the target first at a = min over s_i > 0 of (target - h_i) / s_i."""
    p = _arch_samples(plan, c)
    shape = arch_shape(p, c)
    rest = top_surface(p, c)   # amplitude 0 in c.arch
    target = c.arch["target"]
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
            f"arch height {target:g} mm ({c.arch['height_how']}) is below the device's own height in the medial "
            f"midfoot ({below:.1f} mm from base thickness, heel lift, posting, heel cup and flanges"
            f"{', the scanned sole' if c.sole is not None else ''}); raise the arch or lower those"
        )
    return amplitude
