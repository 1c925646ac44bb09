"""What a shoe style holds (``shoe.style``): the limits orthotic labs publish for devices that go
into dress shoes, boots and ski boots, each with its source. A prescription beyond its style's
limits is refused with the lab's reason, or made with ``--accept-shoe`` and a warning in the
record and the report (pure: the case decides which).

Where no lab publishes a limit (an athletic or a casual shoe takes the standard device: a 14 mm
heel cup, any post), the style has none; nothing here is tuned to a case.
"""
from __future__ import annotations

from dataclasses import dataclass

STYLES = ("athletic", "casual", "dress", "boot", "ski")
DEFAULT_STYLE = "athletic"     # the standard device

PROLAB_DRESS = "C. Choate, DPM, \"Dress orthotics\", ProLab Orthotics blog (prolaborthotics.com, blog entry 190)"
QOL_DRESS = "Queensland Orthotic Lab, \"How to achieve a better shoe fit\" (qol4feet.com.au)"
HUPPIN_BOOT = "L. Huppin, DPM, \"Foot orthotics for cowboy boots\", Podiatry Today blog and ProLab Orthotics blog"
SKI = "H. Dananberg, DPM, in \"Ski boot orthotics: plowing through the options\", Podiatry Today, article 1039"


@dataclass(frozen=True)
class Limit:
    field: str          # section.field of the prescription
    most: float         # the largest the style holds
    why: str            # the lab's reason, in a clinician's words
    source: str

    def value(self, rx) -> float:
        section, name = self.field.split(".")
        return float(getattr(getattr(rx, section), name) or 0.0)


LIMITS: dict[str, tuple[Limit, ...]] = {
    "athletic": (),
    "casual": (),
    "dress": (
        Limit("heel_cup.depth_mm", 12.0, "a dress shoe holds a heel cup of 8-12 mm; a deeper one lifts the heel out of the "
              "shoe as the patient walks", PROLAB_DRESS),
        Limit("medial_skive.depth_mm", 2.0, "a dress shoe's 10-12 mm heel cup leaves room for a medial heel skive of about 2 mm",
              PROLAB_DRESS),
        Limit("accommodations.mortons_extension_mm", 1.5, "a dress shoe's forefoot is shallow: forefoot accommodations of "
              "about 1.5 mm", PROLAB_DRESS),
        Limit("accommodations.reverse_mortons_mm", 1.5, "a dress shoe's forefoot is shallow: forefoot accommodations of "
              "about 1.5 mm", PROLAB_DRESS),
        Limit("heel_expansion.lateral_mm", 3.0, "a 5 mm lateral expansion pushes out a dress shoe's heel counter and the heel "
              "slips out: 3 mm", QOL_DRESS),
    ),
    "boot": (
        Limit("heel_cup.depth_mm", 8.0, "a boot's narrow heel takes an 8 mm heel cup", HUPPIN_BOOT),
        Limit("rearfoot_post.angle_deg", 0.0, "a boot takes a shell with no rearfoot post (a varus one; a valgus post is "
              "not limited here)", HUPPIN_BOOT),
    ),
    "ski": (
        Limit("forefoot_post.angle_deg", 0.0, "no varus forefoot post in a ski boot: the first metatarsal must plantarflex "
              "to hold the ski's inside edge", SKI),
    ),
}


@dataclass(frozen=True)
class Beyond:
    limit: Limit
    value: float

    def message(self, style: str) -> str:
        return (f"{self.limit.field} = {self.value:g} is beyond a {style} shoe's {self.limit.most:g}: {self.limit.why} "
                f"(source: {self.limit.source})")


def beyond_style(rx) -> list[Beyond]:
    """Every field of the prescription beyond its shoe style's limit, in the style's order."""
    found = []
    for limit in LIMITS[rx.shoe.style]:
        value = limit.value(rx)
        if value > limit.most + 1e-9:
            found.append(Beyond(limit, value))
    return found


def style_record(rx, beyond: list[Beyond]) -> dict:
    """The record's entry: the style, its limits with their sources, and what was accepted beyond them."""
    style = rx.shoe.style
    return {"style": style,
            "limits": [{"field": lim.field, "most": lim.most, "why": lim.why, "source": lim.source} for lim in LIMITS[style]],
            "accepted_beyond": [b.message(style) for b in beyond]}
