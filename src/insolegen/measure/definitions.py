"""What ``insolegen measure`` reports, each in one line (``measure --help`` and docs/measurement.md print
it): plain data, cheap to import."""

DEFINITIONS = {
    "side": "which foot the insole is for: the medial arch side and the hallux side",
    "length_mm": "extent along the long axis (the long side of the footprint's minimum-area rectangle)",
    "width_mm": "extent across the long axis, on the ground",
    "height_mm": "highest point above the ground plane",
    "foot_length_est_mm": "F, the foot length the regions below are scaled by: as given (--foot-length); else solved from L and the heel's width together, so an outline offset cancels (L = F + 2 offset, or 0.665 F or 0.84 F + offset for a three-quarter or sulcus insole; heel width = 0.27 F + 2 offset; ANSUR II)",
    "heel_seat_height_mm": "height of the heel seat's post plane at the post's pivot (the heel's low edge, lateral for varus, medial for valgus) at 14.5 % of F: base plus heel lift",
    "heel_cup_depth_mm": "highest rim point in the rear 15 % of F above the heel seat (its post plane, and a skive's wedge on the medial side)",
    "rearfoot_post_deg": "tilt about the long axis of the heel seat (the middle of the heel at 9-16 % of F, fitted with a skive's crease and a pocket's floor as levels of their own); + = medial side up",
    "medial_skive_deg": "how much more steeply the heel seat rises medial of a crease near its centre line than lateral of it (a Kirby skive's own varus)",
    "medial_skive_depth_mm": "that extra wedge's height at the heel's medial edge (at 14.5 % of F)",
    "rearfoot_post_medial_deg": "the heel seat's tilt medial of that crease (the post under a lateral skive; + = medial side up)",
    "lateral_skive_depth_mm": "the crease's wedge read the other way: its height at the heel's lateral edge above the seat medial of the crease (a lateral skive's depth)",
    "lateral_skive_deg": "the crease's angle read as a lateral skive's: how much more steeply the seat rises lateral of the crease than medial of it (the same number as medial_skive_deg)",
    "heel_seat_medial_edge_mm": "the heel seat's height at its medial edge (at 14.5 % of F, with its crease): the seat under a lateral skive on a level or valgus post",
    "heel_pocket_depth_mm": "depth of a heel pocket's floor below the heel seat (a closed depression with a floor of its own; 0 where there is none)",
    "heel_pocket_x_mm": "the pocket's centre (the circle through its half-depth line), from the heel end",
    "heel_pocket_y_mm": "... and across the long axis, + medial",
    "heel_pocket_diameter_mm": "the pocket's diameter at half its depth",
    "pockets": "every relief pocket in the top (closed depressions below the surface around them): centre x, y (+ medial), depth and diameter at half depth, mm",
    "arch_apex_height_mm": "highest point of the medial half from 30 to 58 % of F (behind the met pad), above the ground",
    "arch_apex_frac": "where that point is, as a fraction of L from the heel end",
    "forefoot_post_deg": "tilt of the forefoot plate (3-13 % of F beyond the ball, the widest part, fitted with a first-ray step where there is one) about the long axis; + = medial side up",
    "forefoot_thickness_mm": "thickness (top minus bottom) of the lesser rays' forefoot plate at the post's pivot (the forefoot's low-side prominence: the 5th head's for varus, the 1st's for valgus)",
    "first_ray_step_mm": "how much higher the forefoot plate stands medial of a line between the first and the lesser rays (+: a Morton's extension; -: a first-ray cut-out or a reverse Morton's), 0 where the plate has no step",
    "met_pad_height_mm": "highest dome (a cell above all within 9 mm) of the central and lateral forefoot (18 % of F behind the ball line, from the forefoot's medial to its lateral prominence, to 3 % beyond it) above the forefoot plate's plane",
    "met_bar_height_mm": "a met bar's rise across the foot: at each mm of distance from the ball line, the 10th percentile of the top's height over the middle 80 % of the width; its highest rise above the chord 20 mm either side, up to 18 % of F behind the ball line (0 where none rises 0.3 mm). Read from the mesh alone, and so disturbed by a heel lift or a forefoot post fading in under it; the design record compares the bar's rise over the same device made without it",
    "met_bar_offset_mm": "how far that crest stands behind the ball line",
    "min_thickness_mm": "smallest thickness (top minus bottom, vertically) at least 1 mm inside the edge",
    "volume_mm3": "volume of the main body",
    "mass_g": "volume x the material's density (printed solid)",
}

# what a person reads for each quantity (console, PDF, HTML view, review page); the unit comes
# from the key's suffix
NAMES = {
    "length_mm": "length", "width_mm": "width", "height_mm": "height",
    "heel_seat_height_mm": "heel seat height", "heel_cup_depth_mm": "heel cup depth", "rearfoot_post_deg": "rearfoot post",
    "medial_skive_deg": "medial skive angle", "medial_skive_depth_mm": "medial skive depth",
    "rearfoot_post_medial_deg": "rearfoot post (medial of the crease)", "lateral_skive_depth_mm": "lateral skive depth", "lateral_skive_deg": "lateral skive angle",
    "heel_seat_medial_edge_mm": "heel seat height (medial edge)",
    "heel_pocket_depth_mm": "heel pocket depth", "arch_apex_height_mm": "arch height",
    "arch_apex_frac": "arch apex position", "forefoot_post_deg": "forefoot post", "forefoot_thickness_mm": "forefoot thickness",
    "first_ray_step_mm": "first-ray step (+ Morton's extension)", "met_pad_height_mm": "met pad height",
    "met_bar_height_mm": "met bar height", "min_thickness_mm": "thinnest point", "volume_mm3": "volume", "mass_g": "mass",
    "foot_length_est_mm": "foot length (estimated)", "heel_pocket_x_mm": "heel pocket from the heel end",
    "heel_pocket_y_mm": "heel pocket medial of the axis", "heel_pocket_diameter_mm": "heel pocket diameter",
    "met_bar_offset_mm": "met bar behind the ball line",
}
UNITS = {"_mm3": "mm³", "_mm": "mm", "_deg": "°", "_g": "g", "_frac": "of the length"}


def unit_of(quantity: str) -> str:
    return next((unit for suffix, unit in UNITS.items() if quantity.endswith(suffix)), "")


def human_name(quantity: str, with_unit: bool = True, names: dict | None = None) -> str:
    """``arch_apex_height_mm`` -> "arch height (mm)"; a name not listed (in ``names``, by default
    the measured quantities') reads as its words."""
    name = (NAMES if names is None else names).get(quantity) or quantity.removesuffix("_" + quantity.rsplit("_", 1)[-1]).replace("_", " ")
    unit = unit_of(quantity)
    return f"{name} ({unit})" if with_unit and unit else name
