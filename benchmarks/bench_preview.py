"""A preview PNG of a pair, including Python start (the bar: <= 3 s): `insolegen preview CASE.json
--out PNG` in a fresh process, off-screen; and, for the record, the case report (which also
measures both meshes afresh). Run: .venv/bin/python benchmarks/bench_preview.py"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "insolegen.cli", "design", "--out", tmp, "-q"], check=True)
        for args, label in (([], "pair, iso view"), (["--view", "all", "--sections"], "pair, all views and sections")):
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "insolegen.cli", "preview", str(Path(tmp) / "EU42_medium.json"),
                                "--out", str(Path(tmp) / "p.png"), "--force", *args], check=True, env=env, capture_output=True)
                runs.append(time.perf_counter() - t)
            print(f"{label}: median of 5 {statistics.median(runs):.2f} s (min {min(runs):.2f})")
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "insolegen.cli", "report", tmp, "--force"], check=True, env=env,
                           capture_output=True)
            runs.append(time.perf_counter() - t)
        print(f"case report PDF: median of 5 {statistics.median(runs):.2f} s (min {min(runs):.2f})")


if __name__ == "__main__":
    main()
