"""The interactive HTML view (the bars: a pair loads in under 2 s; the file is at most 5 MB):
its size, the time to write it (`insolegen preview CASE.json --html`, a fresh process), and the
time to its first frame in headless Chromium, from navigation start, for a parametric pair and
for a pair designed on the real dupontgu scan (drawn with the scan).
Run: .venv/bin/python benchmarks/bench_webview.py"""
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium_path, open_page  # noqa: E402

SCAN = ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl"


def cli(*args) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "insolegen.cli", *map(str, args)], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cli("design", "--out", tmp / "pair", "-q")
        shutil.copy(SCAN, tmp / SCAN.name)
        cli("design", tmp / SCAN.name, "--contour", "scan", "--out", tmp / "scan", "-q")
        cases = {"parametric pair (EU42)": (tmp / "pair" / "EU42_medium.json", []),
                 "scan pair with the scan (dupontgu)": (tmp / "scan" / f"{SCAN.stem}.json", ["--scan", tmp / SCAN.name])}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(),
                                        args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
            for label, (record, scan) in cases.items():
                html = record.with_name("view.html")
                writes = [cli("preview", record, "--html", html, "--force", *scan) for _ in range(5)]
                frames = []
                for _ in range(5):
                    opened = open_page(browser, html)
                    frames.append(opened.page.evaluate("() => window.insolegenFirstFrameMs"))
                    opened.page.close()
                print(f"{label}: {html.stat().st_size / 2**20:.2f} MB; written in a median of "
                      f"{statistics.median(writes):.2f} s (CLI, fresh process); first frame in Chromium "
                      f"median {statistics.median(frames):.0f} ms (min {min(frames):.0f}, max {max(frames):.0f}) of 5")
            browser.close()


if __name__ == "__main__":
    main()
