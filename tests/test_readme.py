"""The README as a new user meets it: its usage block runs top to bottom in an empty folder, its
Python API blocks run, and its table of options is the command line's own.

Run ``python tests/test_readme.py --write`` to rewrite the options table (docs/options.md) from the CLI.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
OPTIONS = ROOT / "docs" / "options.md"          # every option of every verb, linked from the README
SHARED = ROOT.parent / "shared" / "data"
TEST_DATA = ROOT / "tests" / "data"
SHELL_SYNTAX = re.compile(r"[|&;<>`$]")      # a line only a shell can run (a redirection, a pipe)


def _real(shared: str, copy: str) -> Path:
    """The real file in ../shared/data when this checkout has it beside it, else the test copy."""
    path = SHARED / shared
    return path if path.is_file() else TEST_DATA / copy


# the usage block's example names -> real files made by other people (see tests/data/README.md)
STAND_INS = {
    "foot.csv": ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv",
    "left_foot.stl": _real("scans/dupontgu_left_foot.stl", "scans/dupontgu_left_foot.stl"),
    "foam_box.jpg": _real("footprints/greenai_foamprint_56.jpg", "footprints/greenai_foamprint_56_half.jpg"),
    "plate.csv": _real("footprints/greenai_raw_pressure.csv", "footprints/greenai_raw_pressure_every16th.csv"),
}


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def usage_lines() -> list[str]:
    """The usage block's commands, comments dropped."""
    block = _section("Usage")
    lines = [line.strip() for line in block.splitlines() if line.startswith("    insolegen")]
    return [re.sub(r"\s+#.*$", "", line) for line in lines]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", _section("Python API"), flags=re.S)


@pytest.mark.slow
def test_the_usage_block_runs_top_to_bottom_in_an_empty_folder(tmp_path):
    for name, real in STAND_INS.items():
        (tmp_path / name).write_bytes(real.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}         # a headless server
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    lines = usage_lines()
    assert len(lines) >= 15
    for line in lines:
        words = shlex.split(line)
        if words[0] == "insolegen" and not SHELL_SYNTAX.search(line):   # as typed, forked without a second of imports
            r = run_cli(*words[1:], cwd=tmp_path, env=env)
        else:
            r = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert r.returncode == 0, f"README usage line failed: {line}\n{r.stderr}"
        assert "Traceback" not in r.stderr, line
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    # what the block says it makes, made: each line's outputs are named in the README
    for expected in ("output/EU42_medium_right.stl", "output/EU42_medium.3mf", "OUT/EU42_medium.json",
                     "outlines/left_foot_outline.svg", "output/pat042_left.stl", "output/left_foot_tc_report.pdf",
                     "check.png", "output/EU42_medium_report.pdf", "my-profile.toml", "OUT/EU40_medium.json"):
        assert expected in made, f"{expected} not made; made: {sorted(made)}"


def test_the_python_api_blocks_run(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    for name, real in STAND_INS.items():
        (tmp_path / name).write_bytes(real.read_bytes())
    namespace: dict = {}
    for block in blocks:                      # one session: later blocks use what earlier ones made
        exec(compile(block, "README.md Python API", "exec"), namespace)
    assert (tmp_path / "out" / "pat042_right.stl").is_file()


# ---- the table of every option of every verb ------------------------------------------------

def options_table() -> str:
    import typer

    from insolegen.cli import app

    group = typer.main.get_command(app)
    rows = ["| verb | option | meaning |", "|---|---|---|"]
    for verb, command in group.commands.items():
        for param in command.params:
            if getattr(param, "hidden", False) or param.name == "help":
                continue
            if param.param_type_name == "argument":
                shown = f"`{param.name.upper()}` (argument)"
            else:
                shown = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
            meaning = (getattr(param, "help", None) or "").replace("|", "\\|").replace("\n", " ")
            rows.append(f"| {verb} | {shown} | {meaning} |")
    return "\n".join(rows)


def _options_table(text: str) -> str:
    match = re.search(r"<!-- options:begin -->\n(.*?)<!-- options:end -->", text, flags=re.S)
    assert match, "docs/options.md has no options table between <!-- options:begin --> and <!-- options:end -->"
    return match.group(1).strip()


def test_the_options_page_lists_every_option_of_every_verb_as_the_cli_has_it():
    assert _options_table(OPTIONS.read_text()) == options_table(), \
        "docs/options.md is out of date: run `python tests/test_readme.py --write`"
    assert "(docs/options.md)" in README.read_text()


def test_every_verb_has_help_with_an_example():
    import typer

    from insolegen.cli import app

    for verb, command in typer.main.get_command(app).commands.items():
        assert "Examples:" in (command.epilog or ""), f"`insolegen {verb} --help` has no example"


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    text = OPTIONS.read_text()
    begin, end = text.index("<!-- options:begin -->\n"), text.index("<!-- options:end -->")
    OPTIONS.write_text(text[:begin] + "<!-- options:begin -->\n" + options_table() + "\n" + text[end:])
    print(f"wrote the options table into {OPTIONS}")


def serving_lines() -> list[str]:
    """The "Serving a lab" block's lines, as a shell runs them."""
    return [line[4:] for line in _section("Serving a lab").splitlines() if line.startswith("    ")]


def test_the_serving_block_runs_and_takes_an_order(tmp_path):
    """The block as written, in an empty folder, on a free loopback port instead of 8000 (the
    install line is this checkout's own), stopped at the end."""
    import httpx
    from served import free_port

    port = free_port()
    lines = serving_lines()
    assert lines[0].startswith("pip install") and "insolegen serve" in lines[2]
    script = "\n".join(["set -e", *(line.replace("8000", str(port)) for line in lines[1:]), "echo; echo SERVER=$!"])
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = tmp_path / "shell.log"
    with open(log, "w") as sink:                 # a file, not a pipe: the server in the background keeps it open
        r = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        assert r.wait(timeout=120) == 0, log.read_text()
        out = log.read_text()
        assert '"id":1' in out and '"state":"' in out, out
        token = httpx.post(f"http://127.0.0.1:{port}/api/v1/token", data={"username": "ann", "password": "a long password"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        deadline = time.monotonic() + 120
        while (order := httpx.get(f"http://127.0.0.1:{port}/api/v1/orders/1", headers=headers).json())["state"] != "review":
            assert order["state"] in ("received", "designing") and time.monotonic() < deadline, order
            time.sleep(0.2)
        assert (tmp_path / "lab" / "insolegen.db").is_file() and (tmp_path / "lab" / "blobs").is_dir()
    finally:
        os.killpg(r.pid, signal.SIGKILL)
        r.wait(timeout=30)
