"""What the command line prints: the consoles, the spinner, and each verb's summary, from the
records and measurements the library returns (cli.py parses and calls; this only prints). Every
number goes through ``outputs.numbers.fixed`` and every quantity by its human name."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from insolegen.outputs.numbers import fixed
from insolegen.outputs.readings import check_table, device_size, total_contact_rule, verification_of

# No emoji codes or automatic highlighting: a file name or a value prints exactly as it is. User
# text inside markup goes through escape() (so "foo[bar].csv" and "[x, y]" survive).
out = Console(emoji=False, highlight=False)
err = Console(stderr=True, emoji=False, highlight=False)


SPINNER_AFTER_S = 1.0       # work shorter than this shows nothing


@contextmanager
def working(what: str, quietly: bool):
    """A spinner on stderr while the work inside runs, shown only on a terminal and only once the
    work has taken SPINNER_AFTER_S; nothing when quiet, for --json, or when stderr is a pipe or file."""
    status = err.status(what, spinner="dots")
    if quietly or not err.is_terminal:
        yield status
        return
    lock = threading.Lock()
    started = False

    def start():
        nonlocal started
        with lock:
            if not started:
                started = True
                status.start()

    timer = threading.Timer(SPINNER_AFTER_S, start)
    timer.daemon = True
    timer.start()
    try:
        yield status
    finally:
        timer.cancel()
        with lock:
            if started:
                status.stop()
            started = True          # a timer firing now starts nothing


def print_summary(result, written: list[Path]) -> None:
    rec = result.record
    if result.name_note:
        out.print(f"note: {result.name_note}", markup=False, soft_wrap=True)
    per_side = rec.get("per_side_feet") or {"": {"foot": rec["foot"], "derived": rec["derived"]}}
    profile = rec["inputs"]["profile"] or "given as an object"
    for side, part in per_side.items():
        foot = part["foot"]
        sure = "" if foot["side_how"] == "given" else ", confidence {:.2f}".format(foot["side_confidence"])
        device = f"{side} device from " if side else ""
        out.print(f"[bold]{escape(result.name)}[/]: {device}{escape(foot['source'])}, {foot['side']} foot "
                  f"({escape(foot['side_how'])}{sure}), foot length {fixed(foot['measures']['length']['value_mm'], 1)} mm, "
                  f"profile {escape(profile)}", soft_wrap=True)
        for note in foot.get("notes", []):
            out.print(f"note: {note}", markup=False, soft_wrap=True)
        for warning in foot["warnings"]:
            out.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
        arch = part["derived"]["arch"]
        out.print(f"arch apex {fixed(arch['target'], 1)} mm at {fixed(arch['apex_x'], 0)} mm from the heel "
                  f"({arch['height_how']}; {arch['apex_how']})", markup=False, soft_wrap=True)
    for flag in rec.get("feet_compared", {}).get("flagged", []):
        out.print(f"[yellow]warning:[/] the two feet disagree: {escape(flag)}; check both feet's landmarks", soft_wrap=True)
    table = Table(show_header=True, header_style="bold",
                  caption="length and width: measured from the mesh along the insole's own long axis, as in the "
                          "checks below")
    for col in ("device", "length mm", "width mm", "height mm", "volume cm³", "triangles", "checks"):
        table.add_column(col)
    for side, dev in rec["devices"].items():
        checks = dev["checks"]
        size = device_size(rec, side)
        table.add_row(side, fixed(size["length_mm"]), fixed(size["width_mm"]), fixed(size["height_mm"]),
                      fixed(checks["volume_mm3"] / 1000, 1), str(dev["faces"]),
                      "[green]passed[/]" if checks["passed"] else "[red]failed[/]")
    out.print(table)
    if "contour" in rec:
        from insolegen.outputs.report import deviation_summary

        out.print("top minus the scanned sole, mm: " + deviation_summary(rec["contour"]["deviation_by_region"]), markup=False)
    # one table per foot measured: a mirrored pair's left is the right's mirror image
    shown = {verification_of(rec, side)["device"]: verification_of(rec, side) for side in rec["devices"]}
    for verified in shown.values():
        mirror = " (the left device is its mirror image)" if len(shown) < len(rec["devices"]) else ""
        headers, rows = check_table(verified)
        checks = Table(*headers, header_style="bold", title=f"{verified['device']} device, measured by insolegen measure{mirror}",
                       caption="measured from the mesh alone: length and width along the insole's own long axis "
                               "(its footprint's minimum-area rectangle), a little off the foot axis")
        for row in rows:
            *cells, verdict = row["cells"]
            checks.add_row(*(escape(c) for c in cells), "[green]ok[/]" if row["ok"] else "[red]MISS[/]")
        out.print(checks)
        rule = total_contact_rule(verified)
        if rule:
            out.print(rule, markup=False, soft_wrap=True)
    for path in written:
        out.print(f"  wrote {path}", markup=False, soft_wrap=True)


def landmark_table(landmarks: dict) -> Table:
    """Each landmark: canonical x, y; how it was found, ± mm; where it is in the input file."""
    table = Table("landmark", "x mm", "y mm", "how", "±mm", "in the file", header_style="bold")
    for key, lm in landmarks.items():
        source = lm.get("source")
        where = "" if source is None else ", ".join(f"{source[a]:.4g}" for a in "xyz" if a in source) + f" {source['units']}"
        table.add_row(key, fixed(lm["x_mm"], 1), fixed(lm["y_mm"], 1), escape(lm["how"]), f"{lm['uncertainty_mm']:g}", escape(where))
    return table


def print_feet(path: Path, feet, records: list[dict], scale: str, written: list[Path]) -> None:
    """`insolegen scan IMAGE|PRESSURE`: every footprint found, its side, length and widths."""
    out.print(f"[bold]{escape(str(path))}[/]: {len(feet)} footprint(s); {escape(scale)}", soft_wrap=True)
    table = Table("footprint (left to right)", "side", "length mm", "ball width mm", "heel width mm", header_style="bold")
    for k, r in enumerate(records, 1):
        m = r["measures"]
        table.add_row(str(k), f"{r['side']} ({r['side_confidence']:.2f})", fixed(m["length"]["value_mm"], 1),
                      fixed(m["ball_width"]["value_mm"], 1), fixed(m["heel_width"]["value_mm"], 1))
    out.print(table)
    for k, r in enumerate(records, 1):
        landmarks = landmark_table(r["landmarks"])
        landmarks.title = f"footprint {k} ({r['side']}): landmarks; canonical frame: heel at x = 0, medial +y"
        out.print(landmarks)
        if r["pins"]:
            out.print(f"footprint {k}: {len(r['pins']['roles'])} marker pins given a role, "
                      f"{len(r['pins']['unassigned'])} not used", markup=False)
    for k, found in enumerate((f.indices for f in feet if f.indices), 1):
        lines = [f"{name.replace('_', ' ')} {i['value']}" + (f" ({i['class']})" if i.get("class") else "")
                 for name, i in found.items() if isinstance(i, dict)]
        out.print(f"footprint {k} indices: " + "; ".join(lines), markup=False, soft_wrap=True)
        if found.get("note"):
            out.print(f"  ({found['note']})", markup=False, soft_wrap=True)
    for k, foot in enumerate(feet, 1):
        for warning in foot.warnings:
            out.print(f"[yellow]warning:[/] footprint {k}: {escape(warning)}", soft_wrap=True)
    for p in written:
        out.print(f"  wrote {p}", markup=False, soft_wrap=True)


class BatchProgress:
    """A bar with counts and an ETA on a terminal; a plain line per case otherwise."""

    def __init__(self):
        self.counts = {"ok": 0, "failed": 0, "skipped": 0}
        self.bar = None

    def __enter__(self):
        if out.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("cases"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=out)
            self.bar.start()
        return self

    def update(self, outcome, done: int, total: int) -> None:
        if outcome is None:                      # before the first case: how many there are
            if self.bar is None:
                out.print(f"{total} case(s)")
            else:
                self.task = self.bar.add_task("cases", total=total, counts="")
            return
        self.counts[outcome.status] += 1
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        if self.bar is None:
            message = f": {outcome.message}" if outcome.message and outcome.status != "ok" else ""
            out.print(f"[{done}/{total}] {outcome.name} {outcome.status} ({outcome.seconds:.1f} s){message}",
                      markup=False, highlight=False, soft_wrap=True)
            return
        self.bar.update(self.task, completed=done, counts=counts)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def print_batch_summary(summary, out_dir: Path) -> None:
    table = Table("cases", "ok", "failed", "skipped", "not run", "time", "cases per minute", header_style="bold")
    rate = 60.0 * len(summary.outcomes) / summary.seconds if summary.seconds else 0.0
    table.add_row(str(summary.total), str(summary.count("ok")), str(summary.count("failed")), str(summary.count("skipped")),
                  str(summary.total - len(summary.outcomes)), f"{summary.seconds:.1f} s", f"{rate:.0f}")
    out.print(table)
    failed = [o for o in summary.outcomes if o.status == "failed"]
    if failed:
        errors = Table("failed case", "why", header_style="bold red")
        for o in sorted(failed, key=lambda o: o.name):
            errors.add_row(escape(o.name), escape(o.message))
        out.print(errors)
    if summary.stopped_early:
        out.print("[yellow]stopped at the first failure (--fail-fast)[/]")
    out.print(f"wrote {out_dir / 'manifest.csv'}, {out_dir / 'manifest.json'} and the review page {out_dir / 'index.html'}",
              markup=False, soft_wrap=True)


def print_measurements(found, info) -> None:
    from insolegen.measure.quantities import DEFINITIONS

    out.print(f"[bold]{escape(str(info['file']))}[/]: {info['format'].upper()}, units {info['units']} ({escape(info['units_how'])})",
              soft_wrap=True)
    for m in found:
        d = m.as_dict()
        conf = d["frame"]["confidence"]
        out.print(f"[bold]{escape(m.name)}[/]: {d['side']} insole (side confidence {conf['side']:.2f}; heel end {conf['heel_end']:.2f}; "
                  f"ground {conf['bottom']:.2f})")
        table = Table("quantity", "value", "meaning", header_style="bold")
        for key in DEFINITIONS:
            if key == "side":
                continue
            value = d.get(key)
            if key == "pockets":
                shown = "; ".join(f"({fixed(p['x_mm'], 0)}, {fixed(p['y_mm'], 0)}) {fixed(p['depth_mm'])} deep" for p in value) or "none"
            else:
                shown = fixed(value, 3 if key == "arch_apex_frac" else 2)
            table.add_row(key, shown, escape(DEFINITIONS[key]))
        out.print(table)
        mesh = d["mesh"]
        crossings = "not checked" if mesh["self_intersections"] is None else str(mesh["self_intersections"])
        out.print(f"mesh: {mesh['triangles']} triangles, watertight {mesh['watertight']}, bodies {mesh['bodies']}, "
                  f"degenerate faces {mesh['degenerate_faces']}, winding consistent {mesh['winding_consistent']}, "
                  f"outward {mesh['outward']}, self-intersections {crossings}")
        for warning in d["warnings"]:
            out.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
        verdict = "[green]printable[/]" if m.printable else "[red]NOT printable[/]"
        placed = f", {escape(m.placement)}" if m.placement else ""
        out.print(f"{verdict} on {m.printer}{placed}, in {m.material} ({d['mass_g']:.1f} g)", soft_wrap=True)
        for reason in m.reasons:
            out.print(f"  - {reason}", markup=False, soft_wrap=True)


def print_shoe_fit(fit: dict) -> None:
    """``measure --shoe``: the device's edge inside the sock-liner, its heel cup, its thickness."""
    reg = fit["registration"]
    out.print(f"[bold]in the shoe[/] {escape(fit['file'])} ({fit['side']}): liner {fixed(fit['liner_length_mm'])} mm long, device "
              f"{fixed(fit['device_length_mm'])} mm; registered heel to heel and axis to axis, the midlines "
              f"{fixed(reg['residual_mm'])} mm apart after (RMS)", soft_wrap=True)
    table = Table("region", "medial clearance (mm)", "lateral clearance (mm)", header_style="bold")
    for region, sides in fit["by_region_mm"].items():
        table.add_row(region, *(("-" if sides[s] is None else fixed(sides[s])) for s in ("medial", "lateral")))
    out.print(table)
    least = fit["least_at"]
    verdict = "[green]fits inside the liner[/]" if fit["fits"] else "[red]stands out over the liner's edge[/]"      # within 0.3 mm
    out.print(f"{verdict}: least clearance {fixed(fit['least_clearance_mm'])} mm, {least['side']}, {fixed(least['x_mm'], 0)} mm from "
              "the heel (negative: outside the liner)", soft_wrap=True)
    cup = fit["heel_cup"]
    if cup["most_mm"] is None:
        limit = f"no published limit for {cup['style']} shoes" if cup["style"] else "give --style for its limit"
        out.print(f"heel cup {fixed(cup['depth_mm'])} mm ({limit})", soft_wrap=True)
    else:
        word = "[green]within[/]" if cup["within"] else "[red]beyond[/]"
        out.print(f"heel cup {fixed(cup['depth_mm'])} mm: {word} a {cup['style']} shoe's {fixed(cup['most_mm'], 0)} mm "
                  f"({escape(cup['source'])})", soft_wrap=True)
    thick = fit["thickness_mm"]
    out.print(f"thickness under the heel {fixed(thick['heel'])} mm, under the ball {fixed(thick['ball'])} mm")
