"""The shoe and the lab form's fields, timed: a pair's design (median of REPEATS, with the fastest)
plain, with the lab form's fields, with a top cover (meshed twice more: the device with its
cover, the cover's body), in a sock-liner traced as CSV, and in a shoe last (an STL read anew each
time); and `measure --shoe` in-process. Run: .venv/bin/python benchmarks/bench_shoe.py"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from insolegen.case import CaseRequest, design_case  # noqa: E402
from insolegen.feet.footshape import foot_from_size  # noqa: E402

REPEATS = 7
LAB_FORM = ("navicular_pad.height_mm=3", "cuboid_pad.height_mm=2", "heel_expansion.lateral_mm=4", "device.shell_width_mm=-3",
            "lateral_skive.angle_deg=6")


def timed(what: str, run) -> None:
    run()                                   # warm
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(f"{what:<44} median {statistics.median(times):6.3f} s   fastest {min(times):6.3f} s   ({REPEATS} runs)")


def main() -> None:
    from test_shoe_meshes import _last

    folder = Path(tempfile.mkdtemp(prefix="bench-shoe-"))
    liner = folder / "liner.csv"
    np.savetxt(liner, foot_from_size("EU44", "wide").outline, delimiter=",")
    last = folder / "last.stl"
    _last(foot_from_size("EU44", "medium").outline).export(last)
    timed("pair, plain", lambda: design_case(CaseRequest(formats="stl")))
    timed("pair, the lab form's fields", lambda: design_case(CaseRequest(formats="stl", overrides=LAB_FORM)))
    timed("pair, a 1.5 mm top cover (templates too)", lambda: design_case(CaseRequest(formats="stl", overrides=("cover.thickness_mm=1.5",))))
    timed("pair, in a traced sock-liner", lambda: design_case(CaseRequest(formats="stl", shoe_file=liner)))
    timed("pair, in a shoe last (STL read each time)", lambda: design_case(CaseRequest(formats="stl", shoe_file=last)))

    from insolegen.measure import measure_mesh
    from insolegen.shoe.clearance import shoe_check
    from insolegen.shoe.read import read_liner

    result = design_case(CaseRequest(formats="stl", sides=("right",), shoe_file=liner))
    vertices, faces = result.designs["right"].devices["right"].vertices, result.designs["right"].devices["right"].faces
    read = read_liner(liner)

    def measure_in_the_shoe():
        shoe_check(vertices, faces, measure_mesh(vertices, faces, side="right"), read, "dress")
    timed("measure --shoe (the measure and the fit)", measure_in_the_shoe)


if __name__ == "__main__":
    main()
