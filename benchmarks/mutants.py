"""Plant small, realistic bugs one at a time and run the test suite against each: a bug the suite
does not catch is a test missing. Prints each bug, caught or not, and the score.

Each bug is made in a copy of the checkout (the repository is never touched), run with the copy's
src first on the path. By default the suite without the slow tests (`-m "not slow"`, stopping at
the first failure); `--all` runs the slow ones too (several minutes a bug).

Run: .venv/bin/python benchmarks/mutants.py [--all] [--only WORD,WORD] [--no-baseline]"""
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
    ("shoe: medial and lateral allowances swapped", f"{SRC}/shoe/fit.py",
     "medial = y >= np.nan_to_num(middle)", "medial = y < np.nan_to_num(middle)"),
    ("shoe: the toe allowance ignored", f"{SRC}/shoe/fit.py",
     "return side + toward_toe * (a.toe_mm - side)", "return side + 0.0 * toward_toe * (a.toe_mm - side)"),
    ("shoe: the liner not turned onto the foot's axis", f"{SRC}/shoe/fit.py",
     "turn = float(np.arctan(slope))", "turn = 0.0 * float(np.arctan(slope))"),
    ("measure: the skive's crease looked for within 3 mm of the device's centre line", f"{SRC}/measure/rearfoot.py",
     "CREASE_SEARCH_MM = 6.0\n", "CREASE_SEARCH_MM = 3.0\n"),
    ("measure: a met pad looked for only 0.18 of the foot behind the ball", f"{SRC}/measure/forefoot.py",
     "PAD_BEHIND_BALL = 0.22\n", "PAD_BEHIND_BALL = 0.18\n"),
    ("a first-ray step under half a millimetre accepted", f"{SRC}/device/prescription.py",
     "MIN_FIRST_RAY_STEP_MM = 0.5 ", "MIN_FIRST_RAY_STEP_MM = 0.0 "),
    ("midfoot pad: the arch under a navicular pad read without its top cover", f"{SRC}/device/features/medial_arch.py",
     "np.max(top[window] - pads - cover)", "np.max(top[window] - pads)"),
    ("midfoot pad: the navicular pad on the lateral border", f"{SRC}/device/features/midfoot_pads.py",
     "    if which == \"navicular\":\n        x = float(navicular[0])", "    if which == \"cuboid\":\n        x = float(navicular[0])"),
    ("midfoot pad: the cuboid pad's offset ignored", f"{SRC}/device/features/midfoot_pads.py",
     "x = float(navicular[0]) + pad.offset_mm", "x = float(navicular[0])"),
    ("midfoot pad: the arch solved with the navicular pad on it", f"{SRC}/device/features/midfoot_pads.py",
     "ON_THE_ARCH = (\"navicular_pad\", \"cuboid_pad\")", "ON_THE_ARCH = ()"),
    ("shoe style: the dress shoe's heel cup limit not applied", f"{SRC}/shoe/styles.py",
     "if value > limit.most + 1e-9:", "if value > limit.most + 1e-9 and limit.field != \"heel_cup.depth_mm\":"),
    ("width: the heel expansions on each other's side", f"{SRC}/device/widening.py",
     "move = (heel * (rx.heel_expansion.medial_mm * medial_share - lateral_expansion(rx, heel_width) * lateral_share)",
     "move = (heel * (rx.heel_expansion.medial_mm * lateral_share - lateral_expansion(rx, heel_width) * medial_share)"),
    ("width: the shell width all on the medial side", f"{SRC}/device/widening.py",
     "+ half_shell * shell * (medial_share - lateral_share))", "+ 2 * half_shell * shell * medial_share)"),
    ("width: the lateral expansion's share read as mm", f"{SRC}/device/widening.py",
     "return he.lateral_mm if he.lateral_pct is None else he.lateral_pct / 100.0 * heel_width",
     "return he.lateral_mm if he.lateral_pct is None else he.lateral_pct"),
    ("shoe: a last's bottom seen from above, not unrolled", f"{SRC}/shoe/mesh_liner.py",
     "return np.column_stack([np.interp(outline[:, 0], stations, arc), outline[:, 1]])", "return outline"),
    ("shoe: measure --shoe blind to a device standing out", f"{SRC}/shoe/clearance.py",
     "signed = np.where(shapely.contains(inside, points) | (distance < 1e-9), distance, -distance)", "signed = distance"),
    ("shoe: the liner drawn unmirrored under a left device", f"{SRC}/outputs/webview.py",
     "[1.0, -1.0 if d.side == \"left\" else 1.0]", "[1.0, 1.0]"),
    ("cover: the device's top not lowered under it", f"{SRC}/device/features/top_cover.py",
     "return -c.rx.cover.thickness_mm * coverage(p, c)", "return 0.0 * coverage(p, c)"),
    ("cover: a sulcus cover ending at the ball line", f"{SRC}/device/features/top_cover.py",
     "return SULCUS_BEYOND_BALL * c.length if length == \"sulcus\" else", "return 0.0 if length == \"sulcus\" else"),
    ("cover: the left template not mirrored", f"{SRC}/case.py",
     "outline = design.cover.outline * ([1.0, -1.0] if side == \"left\" else [1.0, 1.0])", "outline = design.cover.outline"),
    ("cover: the printed cover left out of the 3MF", f"{SRC}/case.py",
     "covers = cover_bodies(primary, devices) if rx.cover.body == \"3mf\" else None", "covers = None"),
    ("shoe style: --accept-shoe ignored", f"{SRC}/case.py",
     "    beyond = _beyond_the_shoe(rx, request.accept_shoe)", "    beyond = _beyond_the_shoe(rx, False)"),
    ("met bar placed distal of the ball line", f"{SRC}/device/features/met_bar.py",
     "s = c.ball_distance(p) + mb.offset_mm", "s = c.ball_distance(p) - mb.offset_mm"),
    ("lateral arch at half its height", f"{SRC}/device/features/lateral_arch.py",
     "return c.rx.lateral_arch.height_mm * along", "return 0.5 * c.rx.lateral_arch.height_mm * along"),
    ("Morton's extension under the lesser rays", f"{SRC}/device/features/rays.py",
     "mortons_extension_mm * _first_ray(p, c)", "mortons_extension_mm * _lesser_rays(p, c)"),
    ("first-ray cut-out raised instead of lowered", f"{SRC}/device/features/rays.py",
     "return -c.rx.accommodations.first_ray_cutout_mm", "return c.rx.accommodations.first_ray_cutout_mm"),
    ("medial flange on the lateral border", f"{SRC}/device/features/flanges.py",
     "medial_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_medial", "medial_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_lateral"),
    ("met pad 8 mm further back", f"{SRC}/device/features/met_pad.py",
     "- [rx.met_pad.offset_mm, 0.0]", "- [rx.met_pad.offset_mm + 8.0, 0.0]"),
    ("heel cup at 80 % of its depth", f"{SRC}/device/features/heel_cup.py",
     "return c.rx.heel_cup.depth_mm * along", "return 0.8 * c.rx.heel_cup.depth_mm * along"),
    ("an unmeasured quantity passes verification", f"{SRC}/device/checks.py",
     "return not self.compared or (self.measured is not None and", "return not self.compared or (self.measured is None or"),
    ("rearfoot post tolerance 5° instead of 0.5°", f"{SRC}/device/features/rearfoot_post.py",
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
     "    if not request.accept_foot:\n", "    if False:\n"),
    ("a pinned met pad not placed at its pin", f"{SRC}/device/features/met_pad.py",
     "if pad.how in AUTHORITATIVE:", 'if pad.how in ("given",):'),
    ("a dense outline refused, not resampled", f"{SRC}/feet/foot.py",
     "    if len(points) > DENSE_POINTS:\n", "    if False:\n"),
    ("the 'not a foot' shape check removed", f"{SRC}/feet/foot.py",
     "    if seat_width / max(measures[\"ball_width\"].value, 1e-9) > MAX_HEEL_OF_BALL_WIDTH:\n", "    if False:\n"),
    ("batch workers outlive the batch", f"{SRC}/batch/run.py",
     "ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)", "ProcessPoolExecutor(max_workers=workers)"),
    # feet
    ("the heel circle's radius taken as the heel's whole width", f"{SRC}/feet/foot.py",
     "gap = (stations - x0) - 0.5 * (y_max - y_min)", "gap = (stations - x0) - (y_max - y_min)"),
    ("left and right swapped in side detection", f"{SRC}/feet/foot.py",
     'return ("right" if score > 0 else "left"), abs(score)', 'return ("left" if score > 0 else "right"), abs(score)'),
    ("metatarsal heads on the border (no inset)", f"{SRC}/feet/priors.py",
     "HEAD_INSET_OF_BALL = 0.16 ", "HEAD_INSET_OF_BALL = 0.0 "),
    ("centimetres read as millimetres", f"{SRC}/feet/foot.py",
     'UNIT_TO_MM = {"mm": 1.0, "cm": 10.0,', 'UNIT_TO_MM = {"mm": 1.0, "cm": 1.0,'),
    ("the ball-of-foot prior's mean 0.02 L too far back", f"{SRC}/feet/priors.py",
     'Prior(0.740, 0.0143,', 'Prior(0.720, 0.0143,'),
    ("a cue's weight taken from its SD, not its variance", f"{SRC}/feet/estimate.py",
     "    precision = 1.0 / np.asarray(variances)\n", "    precision = 1.0 / np.sqrt(np.asarray(variances))\n"),
    ("the population band at 4.5 SD", f"{SRC}/feet/priors.py", "BAND_SD = 3.5", "BAND_SD = 4.5"),
    ("a pin's centre with its row and column swapped", f"{SRC}/feet/pins.py",
     "    row_of, col_of = np.divmod(where, labels.shape[1])\n", "    col_of, row_of = np.divmod(where, labels.shape[1])\n"),
    ("a pin's core taken as all of its dot", f"{SRC}/feet/pins.py",
     "    in_core = value.ravel()[where] <= lows[label_of] + 10\n", "    in_core = value.ravel()[where] <= lows[label_of] + 255\n"),
    ("an outlier cue never down-weighted", f"{SRC}/feet/estimate.py", "            if z > OUTLIER_SD:\n", "            if False:\n"),
    ("the rearfoot laid out from the heel's load centre", f"{SRC}/device/surface.py",
     "    heel = heel_pad_centre(foot.outline)\n", "    heel = lm[\"heel_center\"].xy\n"),
    ("a plate's outline is its loaded area", f"{SRC}/feet/pressure.py",
     "    foot = foot_from_points(outline, side=seen.side, source=source)\n",
     "    outline = contact\n    foot = foot_from_points(outline, side=seen.side, source=source)\n"),
    ("pressure rows and columns swapped", f"{SRC}/feet/pressure.py",
     "gx, gy = np.meshgrid(columns * pitch_mm, -rows * pitch_mm)", "gy, gx = np.meshgrid(-rows * pitch_mm, columns * pitch_mm)"),
    # device
    ("the outline offset applied twice", f"{SRC}/device/plan.py",
     "return poly.buffer(offset, quad_segs=32) if offset else poly", "return poly.buffer(2 * offset, quad_segs=32) if offset else poly"),
    ("the rearfoot post pivots on the wrong side", f"{SRC}/device/features/rearfoot_post.py",
     "return c.rear_y[0] if angle > 0 else c.rear_y[1]", "return c.rear_y[1] if angle > 0 else c.rear_y[0]"),
    ("the forefoot post tilted the other way", f"{SRC}/device/features/forefoot_post.py",
     "return np.tan(np.radians(angle)) * (p.y - _pivot(c, angle)) * ramp_up(p.x, *c.fore_start)",
     "return -np.tan(np.radians(angle)) * (p.y - _pivot(c, angle)) * ramp_up(p.x, *c.fore_start)"),
    ("the heel lift left out", f"{SRC}/device/features/heel_lift.py",
     "return c.rx.heel_lift.height_mm * ramp_down(", "return 0.0 * c.rx.heel_lift.height_mm * ramp_down("),
    ("the medial skive cut on the lateral side", f"{SRC}/device/features/skives.py",
     "across = (p.y - c.heel[1]) if side == \"medial\" else (c.heel[1] - p.y)",
     "across = (c.heel[1] - p.y) if side == \"medial\" else (c.heel[1] - p.y)"),
    ("skive: the lateral skive cut on the medial side", f"{SRC}/device/features/skives.py",
     "across = (p.y - c.heel[1]) if side == \"medial\" else (c.heel[1] - p.y)",
     "across = (p.y - c.heel[1]) if side == \"medial\" else (p.y - c.heel[1])"),
    ("skive: an angle made without the post under it", f"{SRC}/device/features/skives.py",
     "post, angle = np.radians(c.rx.rearfoot_post.angle_deg), np.radians(skive.angle_deg)",
     "post, angle = 0.0, np.radians(skive.angle_deg)"),
    # measure
    ("the met pad looked for only 10 % of F behind the ball", f"{SRC}/measure/forefoot.py",
     "PAD_BEHIND_BALL = 0.18 ", "PAD_BEHIND_BALL = 0.10 "),
    ("the measured rearfoot post's sign flipped", f"{SRC}/measure/rearfoot.py",
     'q["rearfoot_post_deg"] = float(np.degrees(np.arctan(c)))',
     'q["rearfoot_post_deg"] = float(np.degrees(np.arctan(-c)))'),
    ("a pocket's floor taken as the seat's own level", f"{SRC}/measure/rearfoot.py",
     "    ground = offsets.max()\n", "    ground = offsets.min()\n"),
    ("the skive's depth read at the crease, not the heel's medial edge", f"{SRC}/measure/rearfoot.py",
     "float(s * crease(np.array(medial_edge - h[0])))", "float(s * crease(np.array(0.5 * (medial_edge - h[0]))))"),
    ("skive: the lateral wedge read without its rounding's side", f"{SRC}/measure/rearfoot.py",
     "crease(np.array(h[0] + CREASE_MM - lateral_edge))", "crease(np.array(h[0] - lateral_edge))"),
    ("the first-ray step's sign flipped", f"{SRC}/measure/forefoot.py",
     'q["first_ray_step_mm"] = float(s)', 'q["first_ray_step_mm"] = float(-s)'),
    ("the forefoot thickness read on the high side", f"{SRC}/measure/forefoot.py",
     "np.argmin(across) if c >= 0 else np.argmax(across)", "np.argmax(across) if c >= 0 else np.argmin(across)"),
    ("the met bar's crest place judged against the wrong side of the ball line", f"{SRC}/device/rises.py",
     "float(abs(centres[k] + behind_ball_mm))", "float(abs(centres[k] - behind_ball_mm))"),
    ("the pocket placed at the heel's centre", f"{SRC}/device/context.py",
     "return self.heel + [0.04 * self.length, 0.1 * self.heel_width]", "return self.heel + [0.0, 0.0]"),
    ("the arch looked for from 20 % of F", f"{SRC}/measure/quantities.py",
     "ARCH_WINDOW = (0.30, 0.58)", "ARCH_WINDOW = (0.20, 0.58)"),
    # outputs
    ("3MF in inches", f"{SRC}/outputs/export.py", 'unit="millimeter"', 'unit="inch"'),
    ("the design record moved in before the meshes", f"{SRC}/outputs/export.py",
     'key=lambda p: (p.suffix == ".json", p.name)', 'key=lambda p: (p.suffix != ".json", p.name)'),
    # batch
    ("every manifest row says ok", f"{SRC}/batch/cases.py",
     'row = {"case": spec.name, "side": side, "status": outcome.status,', 'row = {"case": spec.name, "side": side, "status": "ok",'),
    ("--resume blind to --set", f"{SRC}/batch/cases.py",
     '"overrides": list(options.overrides),\n             "report"', '"overrides": [],\n             "report"'),
    ("a link planted at OUT/CASE followed", f"{SRC}/batch/cases.py", "    if target.is_symlink():\n", "    if False:\n"),
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
    parser.add_argument("--only", help="only the bugs whose description holds one of these words (comma-separated)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per bug")
    parser.add_argument("--no-baseline", action="store_true", help="do not first check that the unmutated suite passes")
    args = parser.parse_args()
    words = [w.strip().lower() for w in (args.only or "").split(",") if w.strip()]
    chosen = [m for m in MUTANTS if not words or any(w in m[0].lower() for w in words)]
    caught = 0
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "clean"
        shutil.copytree(ROOT, clean, ignore=shutil.ignore_patterns(".venv", ".git", "output", "__pycache__", "*.egg-info"))
        if not args.no_baseline:
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
