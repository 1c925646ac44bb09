"""Every foot against the population before a device is designed on it: its length, its
ball-of-foot share, its breadth and its heel breadth as shares of its length, each as a number
of SDs from ANSUR II's adults (``feet.priors.POPULATION``). Beyond ``BAND_SD`` the foot is
implausible when it is also beyond every adult of the table (the shares' tails are long: no real
adult is refused): design refuses it unless accepted, and says the likely cause. Children's feet
are shorter than any adult's, so length is refused short only below CHILD_MIN_LENGTH_MM; their
proportions are checked by the same shares.
"""
from __future__ import annotations

from insolegen.feet.priors import BAND_SD, CHILD_MIN_LENGTH_MM, POPULATION

MEASURES = {
    "length_mm": "foot length",
    "ball_share": "ball-of-foot length / foot length",
    "breadth_share": "ball width / foot length",
    "heel_share": "heel breadth / foot length",
}


def length_band_mm() -> tuple[float, float]:
    """The plausible foot lengths: a small child's up to the adults' mean + BAND_SD SD or the table's
    longest + half an SD, whichever is longer."""
    mean, sd, _, longest = POPULATION["length_mm"]
    return CHILD_MIN_LENGTH_MM, max(mean + BAND_SD * sd, longest + 0.5 * sd)


def population_z(values: dict[str, float]) -> dict[str, float]:
    """Each measure given (keys of MEASURES) as SDs from the population's mean."""
    return {k: (v - POPULATION[k][0]) / POPULATION[k][1] for k, v in values.items()}


def share_band(key: str) -> tuple[float, float]:
    """The plausible range of a share: beyond BAND_SD and beyond the table's extremes (+- half an SD)."""
    mean, sd, lo, hi = POPULATION[key]
    return min(mean - BAND_SD * sd, lo - 0.5 * sd), max(mean + BAND_SD * sd, hi + 0.5 * sd)


def beyond_population(values: dict[str, float]) -> list[str]:
    """A message for each measure outside the band (empty when the foot is within it)."""
    found = []
    for key, z in population_z(values).items():
        mean, sd, _, largest = POPULATION[key]
        value = values[key]
        if key == "length_mm":
            lo, hi = length_band_mm()
            if not lo <= value <= hi:
                found.append(f"foot length {value:.1f} mm is outside {lo:.0f} … {hi:.0f} mm (ANSUR II adults "
                             f"{mean:.0f} ± {sd:.1f} mm, longest of 6,068: {largest:.0f} mm; a small child's foot from {lo:.0f} mm)")
        else:
            lo, hi = share_band(key)
            if not lo <= value <= hi:
                found.append(f"{MEASURES[key]} is {value:.3f}, {z:+.1f} SD from ANSUR II's {mean:.3f} ± {sd:.4f} "
                             f"(plausible: {lo:.3f} … {hi:.3f}, beyond {BAND_SD:g} SD and every adult of the 6,068)")
    return found


def scale_to_fit(length_mm: float) -> tuple[float, float, float] | None:
    """When the length is out of band: the factors on the input's scale (a plate's pitch, an
    image's px/mm inverted) that would make the foot the population's mean length and the ends of
    its middle 95 % (mean -+ 2 SD), as (mean, low, high); None when the length is in band."""
    lo, hi = length_band_mm()
    if lo <= length_mm <= hi or length_mm <= 0:
        return None
    mean, sd, _, _ = POPULATION["length_mm"]
    return mean / length_mm, (mean - 2 * sd) / length_mm, (mean + 2 * sd) / length_mm
