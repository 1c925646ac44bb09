"""A process that has imported the command line once and forks a fresh child for every run:
the child is a new process (its own memory, signals, exit code, current folder, environment,
standard input and output) that skips the second of imports every `python -m insolegen.cli`
pays. ``helpers.run_cli`` sends it one request per line (JSON: args, cwd, env, input file,
output files, timeout) and reads back one line (the exit code, or "timeout").

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


def _run(request: dict) -> str:
    pid = os.fork()
    if pid == 0:
        try:
            _child(request)
        finally:
            os._exit(70)                           # never back into the server's loop
    deadline = None if request["timeout"] is None else time.monotonic() + request["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return str(os.waitstatus_to_exitcode(status))
        if deadline is not None and time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.005)


if __name__ == "__main__":
    import insolegen.case  # noqa: F401  (the design code a run needs, imported once)
    import insolegen.cli as cli

    CLI_FILE = cli.__file__
    for line in sys.stdin:
        print(_run(json.loads(line)), flush=True)
