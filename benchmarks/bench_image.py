"""Reading footprint images: the foam-box prints in tests/data and ../shared/data (the page, the
scale, the pins and both feet), median of 5 reads after one to warm the imports.
Run: .venv/bin/python benchmarks/bench_image.py"""
import statistics
import time
from pathlib import Path

from results import log_run

from insolegen.feet.image import read_footprint_image

ROOT = Path(__file__).resolve().parents[1]
IMAGES = {
    "the foam print at half resolution (tests/data, 150 dpi in the file)": ROOT / "tests" / "data" / "footprints"
    / "greenai_foamprint_56_half.jpg",
    "the foam print at full resolution (../shared/data, scaled by its L marker)": ROOT.parent / "shared" / "data"
    / "footprints" / "greenai_foamprint_56.jpg",
}
LINES: list[str] = []


def say(text: str) -> None:
    print(text)
    LINES.append(text.strip())


def main() -> None:
    for label, path in IMAGES.items():
        if not path.is_file():
            say(f"{label}: {path} is missing")
            continue
        read = read_footprint_image(path)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            read_footprint_image(path)
            times.append(time.perf_counter() - t)
        say(f"{label}: {read.px_per_mm:.2f} px/mm, {len(read.pins)} pins; read in median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f})")
    log_run("bench_image", LINES)


if __name__ == "__main__":
    main()
