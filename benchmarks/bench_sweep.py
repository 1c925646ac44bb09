"""Design and verify N random prescriptions over the whole documented space (tests/draws.py) and
print how they ended and the error distribution per verified quantity (median, p95, max of
|measured - prescribed|), in the README's table form.
Run: .venv/bin/python benchmarks/bench_sweep.py [N] [--workers W] [--seed S]"""
import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from draws import draw, run_draw  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    draws = [draw(rng) for _ in range(args.n)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        outcomes = list(pool.map(run_draw, draws, chunksize=8))
    seconds = time.perf_counter() - start
    counts = Counter(o.status for o in outcomes)
    print(f"{args.n} draws (seed {args.seed}) in {seconds:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    errors = defaultdict(list)
    for o in outcomes:
        for q, e in o.errors.items():
            errors[q].append(abs(e))
    print("| quantity | compared | median | p95 | max |")
    print("|---|---|---|---|---|")
    for q, values in sorted(errors.items()):
        v = np.array(values)
        print(f"| {q} | {len(v)} | {np.median(v):.3f} | {np.percentile(v, 95):.3f} | {v.max():.3f} |")
    reasons = Counter(o.message.split(":")[0][:90] for o in outcomes if o.status == "refused")
    print("refusals by reason (first words):")
    for reason, n in reasons.most_common(12):
        print(f"  {n:4d}  {reason}")
    for o, d in zip(outcomes, draws):
        if o.status in ("not as prescribed", "error"):
            print(f"  {o.status}: {d.size} {d.width} {d.side} --profile {d.profile} " + " ".join(f"--set {s}" for s in d.overrides)
                  + f"\n      {o.message[:200]}")


if __name__ == "__main__":
    main()
