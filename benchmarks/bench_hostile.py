"""Time and peak memory of refusing every hostile input of tests/hostile.py, per class (the bar:
each refusal within a second or so and in bounded memory, whatever the file asks for).
Run: .venv/bin/python benchmarks/bench_hostile.py"""
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def build_cases(folder: Path) -> list:
    """The hostile files, made in a child process: a child forked from this one would count this
    process's memory (the bombs it built) as its own peak."""
    script = ("import pickle, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
              "from hostile import hostile_cases; sys.stdout.buffer.write(pickle.dumps(hostile_cases(Path(sys.argv[2]))))")
    sys.path.insert(0, str(TESTS))
    return pickle.loads(subprocess.run([sys.executable, "-c", script, str(TESTS), str(folder)], check=True,
                                       capture_output=True).stdout)


def run(args) -> tuple[float, float, int]:
    """(seconds, peak resident MB, exit code) of one `insolegen` process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "insolegen.cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = build_cases(Path(tmp) / "in")
        baseline = run(["--version"])
        worst = defaultdict(lambda: (0.0, 0.0, "", ""))
        for k, case in enumerate(cases):
            seconds, mb, code = run([a.replace("{out}", f"{tmp}/out{k}") for a in case.args])
            t, m, tn, mn = worst[case.kind]
            worst[case.kind] = (max(t, seconds), max(m, mb), case.name if seconds >= t else tn, case.name if mb >= m else mn)
            assert code in case.exit_codes, (case.name, code)
    print(f"{len(cases)} hostile inputs in {len(worst)} classes; `insolegen --version` alone: "
          f"{baseline[0]:.2f} s, {baseline[1]:.0f} MB")
    print(f"{'class':15s} {'worst s':>8s} {'worst MB':>9s}  slowest / largest")
    for kind, (t, m, tn, mn) in sorted(worst.items()):
        print(f"{kind:15s} {t:8.2f} {m:9.0f}  {tn} / {mn}")


if __name__ == "__main__":
    main()
