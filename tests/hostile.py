"""Hostile and odd inputs, built here (no binary blobs in the repository): each case is a command
line for `insolegen` and the class it belongs to. Used by tests/test_hostile.py (every case
refused cleanly: exit 1 or 2, one `error:` line, no traceback, nothing written) and by
benchmarks/bench_hostile.py (time and peak memory per class)."""
from __future__ import annotations

import io
import json
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    kind: str                  # the class of input
    args: tuple                # insolegen's arguments; "{out}" stands for a fresh output folder
    exit_codes: tuple = (1,)   # what a clean refusal exits with (2: a usage error)


def _outline_points(n: int = 120) -> list[list[float]]:
    from insolegen import foot_from_size

    outline = foot_from_size("EU42").outline
    k = np.linspace(0, len(outline), n, endpoint=False).astype(int)
    return outline[k].round(2).tolist()


def _binary_stl(vertices: np.ndarray, faces: np.ndarray) -> bytes:
    tri = vertices[faces].astype("<f4")
    record = np.zeros(len(faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    record["v"] = tri
    return b"hostile".ljust(80, b" ") + struct.pack("<I", len(faces)) + record.tobytes()


def _solid(kind: str, size=(270.0, 100.0, 80.0)) -> bytes:
    import trimesh

    if kind == "box":
        mesh = trimesh.creation.box(extents=size)
    elif kind == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=4, radius=size[0] / 2)
    else:
        mesh = trimesh.creation.icosphere(subdivisions=4)
        mesh.apply_scale(np.array(size) / 2)
    mesh.apply_translation([0, 0, -mesh.bounds[0, 2]])
    return _binary_stl(mesh.vertices, mesh.faces)


def _png(width: int, height: int) -> bytes:
    """A white 1-bit PNG, its rows deflated as they are made (PIL's encoder takes seconds for the
    decompression-bomb sizes, and holds the whole picture)."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)          # filter type 0, then the row's bits
    deflate = zlib.compressobj(9)
    rows_at_once = max(1, (1 << 20) // len(row))
    pixels = b"".join(deflate.compress(row * min(rows_at_once, height - k)) for k in range(0, height, rows_at_once))
    pixels += deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)   # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _zip_bomb_3mf(inflated: int) -> bytes:
    """A 3MF whose model inflates to ``inflated`` bytes, written a megabyte at a time (deflated
    fast: 2 MB on disk rather than 0.4, the same 450 MB once unzipped)."""
    buffer = io.BytesIO()
    block = b" " * (1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("3D/3dmodel.model", "w") as model:
            model.write(b"<model>")
            left = inflated
            while left > 0:
                model.write(block[:left])
                left -= len(block)
            model.write(b"</model>")
    return buffer.getvalue()


def hostile_cases(root: Path) -> list[Case]:
    """Write the hostile files under ``root`` and return the cases that use them."""
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def file(name: str, data: bytes | str) -> Path:
        path = root / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def design(name, kind, path, *extra, codes=(1,)):
        cases.append(Case(name, kind, ("design", str(path), "--out", "{out}", "-q", *extra), codes))

    points = _outline_points()
    good = {"units": "mm", "side": "right", "points": points}
    # --- outline files (JSON) -------------------------------------------------------------
    for name, doc in {
        "json units a list": {**good, "units": ["mm"]},
        "json landmarks a list": {**good, "landmarks": [[0, 0]]},
        "json arch height text": {**good, "arch": {"height_mm": "abc"}},
        "json landmark far away": {**good, "landmarks": {"heel_center": [1e6, 0]}},
        "json points not pairs": {**good, "points": [[1, 2, 3]] * 30},
        "json points text": {**good, "points": "abc"},
        "json side a number": {**good, "side": 7},
        "json no points": {"units": "mm"},
        "json a list": [1, 2, 3],
        "json coordinates 1e300": {**good, "points": [[x * 1e300, y] for x, y in points]},
    }.items():
        design(name, "outline json", file(name.replace(" ", "_") + ".json", json.dumps(doc)))
    design("json landmark NaN", "outline json", file("nan_landmark.json", json.dumps(good)[:-1] + ', "landmarks": {"heel_center": [NaN, 0]}}'))
    design("json not utf-8", "outline json", file("latin.json", b'{"units": "mm", "name": "M\xfcller", "points": []}'))
    design("json nested 200k deep", "outline json", file("deep.json", "[" * 200_000 + "]" * 200_000))
    design("json 5000-digit integer", "outline json", file("bigint.json", '{"units": "mm", "points": [[' + "9" * 5000 + ", 1]]}"))
    design("json empty", "outline json", file("empty.json", ""))
    design("json truncated", "outline json", file("truncated.json", json.dumps(good)[:500]))
    # --- outline files (SVG, CSV) ---------------------------------------------------------
    design("svg 1e7 path", "outline svg", file("huge.svg", '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0,0 L1e7,0 L1e7,4e6 L0,4e6 Z"/></svg>'))
    design("svg 1e9 path", "outline svg", file("huger.svg", '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0,0 L1e9,0 L1e9,4e8 L0,4e8 Z"/></svg>'))
    design("svg scale(1e9)", "outline svg", file("scaled.svg", '<svg xmlns="http://www.w3.org/2000/svg"><g transform="scale(1e9)">'
                                                             '<path d="M0,0 L270,0 L270,100 L0,100 Z"/></g></svg>'))
    design("svg no path", "outline svg", file("nopath.svg", '<svg xmlns="http://www.w3.org/2000/svg"></svg>'))
    design("svg not xml", "outline svg", file("garbage.svg", "\x00\x01 not xml at all"))
    design("csv text cells", "outline csv", file("text.csv", "x,y\n" + "a,b\n" * 50))
    design("csv one column", "outline csv", file("onecol.csv", "x\n" + "1\n" * 50))
    design("csv nan", "outline csv", file("nan.csv", "x,y\n" + "".join(f"{x},{y}\n" for x, y in points[:-1]) + "nan,1\n"))
    # --- images ---------------------------------------------------------------------------
    design("png 12000x12000 blank", "image", file("big.png", _png(12000, 12000)))
    design("png 20000x20000 blank", "image", file("bomb.png", _png(20000, 20000)))
    design("png truncated", "image", file("trunc.png", _png(400, 400)[:60]))
    design("png empty", "image", file("empty.png", b""))
    for dpi in ("nan", "inf", "1e12", "0", "-300"):
        design(f"image --dpi {dpi}", "image", root / "big.png", "--dpi", dpi, codes=(1, 2))
    # --- pressure recordings --------------------------------------------------------------
    header = "Sensor-Nummer;1;2;3\nmin;0;0;0\nmax;1;1;1\navg;0;0;0\n"
    design("pressure id 99999999999", "pressure", file("bigid.csv", header.replace(";3\n", ";99999999999\n") + "0;1;1;1\n"), "--pitch-mm", "8")
    design("pressure negative id", "pressure", file("negid.csv", header.replace(";3\n", ";-3\n") + "0;1;1;1\n"), "--pitch-mm", "8")
    design("pressure no frames", "pressure", file("noframes.csv", header), "--pitch-mm", "8")
    design("pressure text values", "pressure", file("textval.csv", header + "0;a;b;c\n"), "--pitch-mm", "8")
    # --- meshes to design from ------------------------------------------------------------
    design("stl ellipsoid", "mesh scan", file("ellipsoid.stl", _solid("ellipsoid")))
    design("stl box", "mesh scan", file("box.stl", _solid("box")))
    design("stl sphere", "mesh scan", file("sphere.stl", _solid("sphere", (240.0, 240.0, 240.0))))
    plate = _solid("box", (270.0, 100.0, 0.5))
    design("stl flat plate", "mesh scan", file("plate.stl", plate))
    design("stl random bytes", "mesh scan", file("random.stl", np.random.default_rng(0).bytes(5000)))
    design("stl count says more", "mesh scan", file("lying.stl", _solid("box")[:80] + struct.pack("<I", 10**8) + _solid("box")[84:]))
    design("obj no faces", "mesh scan", file("points.obj", "".join(f"v {i} {i % 7} {i % 5}\n" for i in range(300))))
    design("obj 1e30 coordinates", "mesh scan", file("far.obj", "v 1e30 0 0\nv 0 1e30 0\nv 0 0 1e30\nf 1 2 3\n"))
    sheet = np.array([[0.0, 0.0, 0.0], [270.0, 0.0, 0.0], [270.0, 100.0, 0.0], [0.0, 100.0, 0.0]])
    import trimesh

    flat = trimesh.Trimesh(sheet, np.array([[0, 1, 2], [0, 2, 3]])).subdivide().subdivide().subdivide()
    design("stl open flat sheet", "mesh scan", file("sheet.stl", _binary_stl(flat.vertices, flat.faces)))
    # --- meshes to measure ----------------------------------------------------------------
    def measure(name, path, *extra):
        cases.append(Case(name, "mesh measure", ("measure", str(path), *extra)))

    measure("measure a box", root / "box.stl")
    measure("measure degenerate triangles", file("degenerate.stl", _binary_stl(np.zeros((3, 3)), np.array([[0, 1, 2]] * 40))))
    scattered = np.random.default_rng(1).random((300, 3)) * [270.0, 100.0, 30.0]
    measure("measure every triangle degenerate", file("all_degenerate.stl",
                                                       _binary_stl(scattered, np.repeat(np.arange(100)[:, None], 3, axis=1))))
    measure("measure 3mf zip bomb", file("bomb.3mf", _zip_bomb_3mf(450_000_000)))
    measure("measure 3mf not a zip", file("notzip.3mf", b"PK\x03\x04 broken"))
    # --- prescriptions and profiles -------------------------------------------------------
    for name, text in {"profile extends 5": "extends = 5\n", "profile nested arrays": "x = " + "[" * 5000 + "]" * 5000 + "\n",
                       "profile binary": "\x00\x01\x02 binary", "profile unknown section": "[nonsense]\na = 1\n"}.items():
        cases.append(Case(name, "profile", ("design", "--profile", str(file(name.replace(" ", "_") + ".toml", text)), "--out", "{out}", "-q")))
    cases.append(Case("profile not utf-8", "profile", ("design", "--profile", str(file("latin.toml", b"description = \"M\xfcller\"\n")),
                                                        "--out", "{out}", "-q")))
    for name, extra in {"--set description.x=1": ("--set", "description.x=1"), "--set extends.x=1": ("--set", "extends.x=1"),
                        "--set arch.height_mm=nan": ("--set", "arch.height_mm=nan"), "--set no equals": ("--set", "arch.height_mm"),
                        "--size empty": ("--size", ""), "--profile empty": ("--profile", ""), "--name empty": ("--name", ""),
                        "--size EU99": ("--size", "EU99")}.items():
        cases.append(Case(name, "options", ("design", *extra, "--out", "{out}", "-q"), (1, 2)))
    # --- output paths ---------------------------------------------------------------------
    a_file = file("a_file.txt", "I am a file")
    for name, target in {"--out a file": a_file, "--out /dev/null": "/dev/null", "--out under a file": a_file / "sub",
                         "--out in /proc": "/proc/insolegen", "--out 4200 characters": root / ("x" * 4200)}.items():
        cases.append(Case(name, "output path", ("design", "--out", str(target), "-q")))
    # --- design records -------------------------------------------------------------------
    record = file("hand_edited.json", json.dumps({"case": "x", "devices": {}}))
    cases.append(Case("preview a record missing keys", "record", ("preview", str(record), "--out", "{out}/p.png")))
    cases.append(Case("report a record missing keys", "record", ("report", str(record), "--out", "{out}/r.pdf")))
    cases.append(Case("preview into a missing folder", "record", ("preview", str(record), "--out", str(root / "missing" / "dir" / "x.png"))))
    return cases
