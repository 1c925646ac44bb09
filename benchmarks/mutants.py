"""Plant small, realistic bugs one at a time and run the test suite against each: a bug the suite
does not catch is a test missing. Prints each bug, caught or not, and the score.

Each bug is made in a copy of the checkout (the repository is never touched), run with the copy's
src first on the path. By default the suite without the slow tests (`-m "not slow"`, stopping at
the first failure); `--all` runs the slow ones too (several minutes a bug).

Run: .venv/bin/python benchmarks/mutants.py [--all] [--only WORD]"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = "src/insolegen"

# (what the bug is, file, the text, the text it becomes)
MUTANTS = [
    ("met bar placed distal of the ball line", f"{SRC}/device/surface.py",
     "s = c.ball_distance(p) + mb.offset_mm", "s = c.ball_distance(p) - mb.offset_mm"),
    ("lateral arch at half its height", f"{SRC}/device/surface.py",
     "return c.rx.lateral_arch.height_mm * along", "return 0.5 * c.rx.lateral_arch.height_mm * along"),
    ("Morton's extension under the lesser rays", f"{SRC}/device/surface.py",
     "mortons_extension_mm * _first_ray(p, c)", "mortons_extension_mm * _lesser_rays(p, c)"),
    ("first-ray cut-out raised instead of lowered", f"{SRC}/device/surface.py",
     "return -c.rx.accommodations.first_ray_cutout_mm", "return c.rx.accommodations.first_ray_cutout_mm"),
    ("medial flange on the lateral border", f"{SRC}/device/surface.py",
     "medial_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_medial", "medial_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_lateral"),
    ("met pad 8 mm further back", f"{SRC}/device/surface.py",
     "- rx.met_pad.offset_mm * distal", "- (rx.met_pad.offset_mm + 8.0) * distal"),
    ("heel cup at 80 % of its depth", f"{SRC}/device/surface.py",
     "return c.rx.heel_cup.depth_mm * along", "return 0.8 * c.rx.heel_cup.depth_mm * along"),
    ("an unmeasured quantity passes verification", f"{SRC}/device/verify.py",
     "return not self.compared or (self.measured is not None and", "return not self.compared or (self.measured is None or"),
    ("rearfoot post tolerance 5° instead of 0.5°", f"{SRC}/device/verify.py",
     '"rearfoot_post_deg": 0.5', '"rearfoot_post_deg": 5.0'),
    ("STL facet normals inverted", f"{SRC}/outputs/export.py",
     'record["n"], record["v"] = normals, tri', 'record["n"], record["v"] = -normals, tri'),
    ("writing straight into the file (not atomic)", f"{SRC}/outputs/export.py",
     "            fh.write(data)\n", "            path.write_bytes(data)\n            fh.write(data)\n"),
    ("a live writer's temporary file removed as stale", f"{SRC}/outputs/export.py",
     "        except BlockingIOError:\n            continue                  # its writer is alive",
     "        except BlockingIOError:\n            pass"),
    ("a case's files moved in without checking again", f"{SRC}/outputs/export.py",
     "                refuse_existing([out_dir / p.name for p in files], force)\n", "                pass\n"),
    ("spaces kept in safe names", f"{SRC}/outputs/export.py",
     '_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")', '_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")'),
    ("batch --resume ignores a changed prescription.toml", f"{SRC}/batch/cases.py",
     "files = [p for _, p in spec.foot_files] + ([spec.prescription] if spec.prescription else [])",
     "files = [p for _, p in spec.foot_files]"),
    ("limits never enforced", f"{SRC}/limits.py", "    if value > cap:\n", "    if False:\n"),
    ("the left device's winding not reversed with its mirror", f"{SRC}/device/design.py",
     "return vertices * [1.0, -1.0, 1.0], faces[:, ::-1].copy()", "return vertices * [1.0, -1.0, 1.0], faces.copy()"),
    ("the sole's relief never used", f"{SRC}/feet/relief.py", "    if not centres:\n", "    if True:\n"),
    ("implausible landmarks accepted", f"{SRC}/case.py",
     "    if not request.accept_landmarks:\n", "    if False:\n"),
    ("a pinned met pad not placed at its pin", f"{SRC}/device/surface.py",
     'if pad.how in ("clinician pin", "given"):', 'if pad.how in ("given",):'),
    ("a dense outline refused, not resampled", f"{SRC}/feet/foot.py",
     "    if len(points) > DENSE_POINTS:\n", "    if False:\n"),
    ("the 'not a foot' shape check removed", f"{SRC}/feet/foot.py",
     "    if heel_share > MAX_HEEL_OF_BALL_WIDTH:\n", "    if False:\n"),
    ("batch workers outlive the batch", f"{SRC}/batch/run.py",
     "ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)", "ProcessPoolExecutor(max_workers=workers)"),
]


def run_suite(copy: Path, slow: bool, timeout_s: float) -> tuple[bool, float]:
    """(the suite failed, seconds) on the copy."""
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    args = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests"] + ([] if slow else ["-m", "not slow"])
    start = time.perf_counter()
    try:
        r = subprocess.run(args, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout_s)
        failed = r.returncode != 0
    except subprocess.TimeoutExpired:
        failed = True
    return failed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="run the slow tests too")
    parser.add_argument("--only", help="only the bugs whose description holds this word")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per bug")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or args.only.lower() in m[0].lower()]
    caught = 0
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "clean"
        shutil.copytree(ROOT, clean, ignore=shutil.ignore_patterns(".venv", ".git", "output", "__pycache__", "*.egg-info"))
        failed, seconds = run_suite(clean, args.all, args.timeout)
        if failed:
            sys.exit("the suite fails without any planted bug: mend that first")
        print(f"unmutated suite: passes in {seconds:.0f} s")
        for what, file, old, new in chosen:
            copy = Path(tmp) / "mutant"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(clean, copy)
            text = (copy / file).read_text()
            if text.count(old) != 1:
                print(f"  ?      {what}: the text to change is not in {file} exactly once; update the mutant")
                continue
            (copy / file).write_text(text.replace(old, new))
            failed, seconds = run_suite(copy, args.all, args.timeout)
            caught += failed
            print(f"  {'caught' if failed else 'MISSED'} {what} ({seconds:.0f} s)", flush=True)
    print(f"score: {caught} of {len(chosen)} planted bugs caught ({caught / max(len(chosen), 1):.0%})"
          f"{' (slow tests included)' if args.all else ' (without the slow tests)'}")


if __name__ == "__main__":
    main()
