"""The first-ray features: a first-ray cut-out (lowered under the 1st metatarsal head and hallux),
a Morton's extension (raised there) and a reverse Morton's (the lesser rays raised). All three
shape one step, medial of the line between the 1st and 2nd heads, checked once as the
forefoot plate's first-ray step (declared with the cut-out)."""
from __future__ import annotations

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm, no_checks
from insolegen.geometry.ramps import ramp_down, ramp_up

FROM_BALL_MM = -20.0      # the rays' features start this far behind the ball line (full by 10 mm behind it)


def _first_ray(p: Points, c: Context):
    """1 under the first ray from just behind the 1st metatarsal head to the toe, else 0."""
    split = c.first_ray_split
    return ramp_up(p.y, split - 3, split + 3) * ramp_up(c.ball_distance(p), -20, -10)


def _lesser_rays(p: Points, c: Context):
    split = c.first_ray_split
    return ramp_down(p.y, split - 3, split + 3) * ramp_up(c.ball_distance(p), -20, -10)


def first_ray_cutout(p: Points, c: Context):
    if not c.rx.accommodations.first_ray_cutout_mm:
        return absent(p)
    return -c.rx.accommodations.first_ray_cutout_mm * _first_ray(p, c)


def mortons_extension(p: Points, c: Context):
    if not c.rx.accommodations.mortons_extension_mm:
        return absent(p)
    return c.rx.accommodations.mortons_extension_mm * _first_ray(p, c)


def reverse_mortons(p: Points, c: Context):
    if not c.rx.accommodations.reverse_mortons_mm:
        return absent(p)
    return c.rx.accommodations.reverse_mortons_mm * _lesser_rays(p, c)


def _placed(name: str, rise_of):
    def place(c: Context) -> dict:
        rise = rise_of(c.rx.accommodations)
        if not rise:
            return {}
        # the first ray medial of the line between the 1st and 2nd heads, from 20 mm behind the ball
        return {name: {"split_y": round(float(c.first_ray_split), 2), "rise_mm": rise, "from_ball_mm": FROM_BALL_MM}}
    return place


def _worded(field_name: str, suffix: str = ""):
    def words(rx) -> str | None:
        value = rx["accommodations"][field_name]
        return f"{mm(value)}{suffix}" if value else None
    return words


def step_checks(r: Reading):
    """The plate's first-ray step: + a Morton's extension, - a cut-out or a reverse Morton's."""
    acc = r.rx.accommodations
    step = acc.mortons_extension_mm - acc.first_ray_cutout_mm - acc.reverse_mortons_mm
    return [r.check("first_ray_step_mm", r.added("first_ray_step_mm", step), r.plate_note, amount=step)]


CUTOUT = Feature(
    name="first_ray_cutout", label="First-ray cut-out", field=first_ray_cutout, amount="accommodations.first_ray_cutout_mm",
    place=_placed("first_ray_cutout", lambda acc: -acc.first_ray_cutout_mm), words=_worded("first_ray_cutout_mm", " deep"),
    checks=step_checks, tolerances={"first_ray_step_mm": 0.3}, on_sole=True,
)
MORTONS = Feature(
    name="mortons_extension", label="Morton's extension", field=mortons_extension, amount="accommodations.mortons_extension_mm",
    place=_placed("mortons_extension", lambda acc: acc.mortons_extension_mm), words=_worded("mortons_extension_mm"),
    checks=no_checks, on_sole=True,       # the first-ray step, declared with the cut-out
)
REVERSE = Feature(
    name="reverse_mortons", label="Reverse Morton's", field=reverse_mortons, amount="accommodations.reverse_mortons_mm",
    place=_placed("reverse_mortons", lambda acc: acc.reverse_mortons_mm), words=_worded("reverse_mortons_mm"),
    checks=no_checks, on_sole=True,       # the first-ray step (with the cut-out) and the forefoot plate (with the base)
)
