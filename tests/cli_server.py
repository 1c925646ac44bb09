"""A process that has imported the command line once and forks a fresh child for every run:
the child is a new process (its own memory, signals, exit code, current folder, environment,
standard input and output) that skips the second of imports every `python -m insolegen.cli`
pays. ``helpers.run_cli`` sends it one request per line (JSON: args, cwd, env, input file,
output files, timeout) and reads back one line (the exit code, or "timeout"). ``helpers.start_cli``
starts a run without waiting ("do": "start", answered with the child's pid) and then asks after
it ("do": "poll" or "wait", answered with its exit code, "running" or "timeout"): runs that
overlap, as a busy lab's do.

Run by helpers only: `python tests/cli_server.py`."""
from __future__ import annotations

import json
import os
import signal
import sys
import time


def _child(request: dict) -> None:
    """In the forked child: become `insolegen ARGS` with the request's folder, environment and files."""
    os.setsid()                                   # its own process group: a timeout kills it with what it started
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, mode in ((0, request["stdin"], os.O_RDONLY), (1, request["stdout"], os.O_WRONLY),
                           (2, request["stderr"], os.O_WRONLY)):
        handle = os.open(path, mode)
        os.dup2(handle, fd)
        os.close(handle)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.argv = [CLI_FILE, *request["args"]]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _start(request: dict) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            _child(request)
        finally:
            os._exit(70)                           # never back into the server's loop
    return pid


def _wait(pid: int, timeout: float | None) -> str:
    """The child's exit code once it ends, or "timeout" (the child left running)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return str(os.waitstatus_to_exitcode(status))
        if deadline is not None and time.monotonic() > deadline:
            return "timeout"
        time.sleep(0.005)


def _run(request: dict) -> str:
    pid = _start(request)
    answer = _wait(pid, request["timeout"])
    if answer == "timeout":
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return answer


def _answer(request: dict) -> str:
    what = request.get("do", "run")
    if what == "start":
        return str(_start(request))
    if what == "poll":
        done, status = os.waitpid(request["pid"], os.WNOHANG)
        return str(os.waitstatus_to_exitcode(status)) if done else "running"
    if what == "wait":
        return _wait(request["pid"], request["timeout"])
    return _run(request)


if __name__ == "__main__":
    # the design code a run needs, imported once, and the libraries most runs import on first
    # use (not VTK: which OpenGL it loads depends on the run's own environment)
    import reportlab.platypus  # noqa: F401
    import skimage.morphology  # noqa: F401
    import trimesh  # noqa: F401

    import insolegen.case  # noqa: F401
    import insolegen.cli as cli

    CLI_FILE = cli.__file__
    for line in sys.stdin:
        print(_answer(json.loads(line)), flush=True)
