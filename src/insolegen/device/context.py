"""What every feature's field reads: the sample points (``Points``) and the design context
(``Context``: the foot's landmarks and extents, the plan's borders, the prescription), in the
canonical frame (mm; heel at x = 0, toes toward +x, +y medial). Plain data, built once per design
by ``device.surface.make_context``."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from insolegen.device.contour import SoleSurface
from insolegen.device.offload import Site
from insolegen.device.plan import Plan
from insolegen.device.prescription import Prescription
from insolegen.feet.pressure import PressureMap

CUP_WALL_OF_HEEL = 0.30      # the heel-cup wall rises over this fraction of the heel width


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
class ArchLayout:
    """Where the medial arch is and how high (mm, along the foot from the heel), how each was
    decided, and the amplitude solved for it (0 until it is)."""
    apex_x: float
    start_x: float
    end_x: float
    width: float
    target: float          # the height the medial midfoot's highest point must stand at
    apex_how: str
    extent_how: str
    height_how: str
    amplitude: float = 0.0

    def as_record(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    """Everything a feature's field reads, laid out once per design (``surface.make_context``)."""
    rx: Prescription
    length: float                 # foot length L
    heel: np.ndarray              # the heel seat's centre (x, y): from the outline alone (heel_pad_centre)
    heel_width: float             # the outline's width across the heel seat
    mth1: np.ndarray              # joint centres of the 1st, 2nd and 5th metatarsal heads
    mth2: np.ndarray
    mth5: np.ndarray
    pad_centre: np.ndarray        # where the met pad is centred
    midfoot_pads: dict            # "navicular" / "cuboid" -> where that pad is centred (features.midfoot_pads.pad_centre)
    ball_width: float
    ball_point: np.ndarray        # on the ball line
    ball_dir: np.ndarray          # along the ball line, lateral -> medial
    ball_normal: np.ndarray       # distal
    rear_y: tuple[float, float]   # lateral / medial edges of the heel (at the seat's centre station)
    fore_y: tuple[float, float]   # ... under the forefoot
    back_x: float                 # the device's posterior-most x (behind 0 with an outline offset)
    arch: ArchLayout
    sole: SoleSurface | None = None   # --contour scan: the scanned sole the top follows
    pressure: PressureMap | None = None   # a pressure recording on this foot, when one was given
    offload: tuple[Site, ...] = ()        # where the relief pockets are
    offload_info: dict = field(default_factory=dict)

    def ball_distance(self, p: Points) -> np.ndarray:
        """Signed distance from the ball line, + distal."""
        return (p.x - self.ball_point[0]) * self.ball_normal[0] + (p.y - self.ball_point[1]) * self.ball_normal[1]

    def behind_ball(self, xy: np.ndarray) -> float:
        """How far a point lies behind the ball line (mm, + proximal)."""
        return -float((xy[0] - self.ball_point[0]) * self.ball_normal[0] + (xy[1] - self.ball_point[1]) * self.ball_normal[1])

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
