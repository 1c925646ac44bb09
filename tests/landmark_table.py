"""docs/architecture.md's table of how far landmarks read without pins land from a clinician's pins
(`tests/test_landmarks.py` checks that file against it; `python tests/landmark_table.py --write`
writes it). The foam print's pins are painted out by the tests' own `painted_out`."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "docs" / "architecture.md"      # where the landmarks are described
FOAM = ROOT / "tests" / "data" / "footprints" / "greenai_foamprint_56_half.jpg"
NAMES = ("heel_center", "mth1_head", "mth5_head", "met_pad_center", "navicular")
AIM_MM = {"heel_center": 3.0, "mth1_head": 3.0, "mth5_head": 3.0, "met_pad_center": 5.0}


def offsets(pinned, unpinned) -> dict[str, list[float]]:
    """Landmark -> mm from the pin, for each foot (left to right in the image), read as
    feet_from_image returns them: (image, feet) with pins, and without."""
    (_, with_pins), (image, without) = pinned, unpinned
    ppm = image.px_per_mm
    found = {}
    for name in NAMES:
        found[name] = []
        for a, b in zip(with_pins, without):
            sa, sb = a.landmark_source(name), b.landmark_source(name)
            found[name].append(float(np.hypot(sa["x"] - sb["x"], sa["y"] - sb["y"]) / ppm))
    return found


def table(pinned, unpinned) -> str:
    feet = [f.side for f in pinned[1]]
    found = offsets(pinned, unpinned)
    rows = [f"| landmark | {' | '.join(f'{side} foot' for side in feet)} | aim |", "|---|" + "---|" * len(feet) + "---|"]
    for name, values in found.items():
        aim = f"{AIM_MM[name]:g}" if name in AIM_MM else "—"
        rows.append(f"| `{name}` | " + " | ".join(f"{v:.1f}" for v in values) + f" | {aim} |")
    return "\n".join(rows)


def readme_table(text: str) -> str:
    begin, end = text.index("<!-- landmarks:begin -->\n"), text.index("<!-- landmarks:end -->")
    return text[begin + len("<!-- landmarks:begin -->\n"):end].strip()


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    sys.path.insert(0, str(Path(__file__).parent))
    from helpers import painted_out

    from insolegen.feet.image import feet_from_image

    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "foamprint_no_pins.jpg"
        painted_out(FOAM, bare)
        text = table(feet_from_image(FOAM), feet_from_image(bare))
    readme = README.read_text()
    begin, end = readme.index("<!-- landmarks:begin -->\n"), readme.index("<!-- landmarks:end -->")
    README.write_text(readme[:begin] + "<!-- landmarks:begin -->\n" + text + "\n" + readme[end:])
    print(text)
