"""Run a module under the test suite's clock: ``python -m tests.support.clocked gunicorn …``.

The suite moves Python's clock with time-machine (see ``tests/conftest.py``); a server it
starts in another process must share that clock, or the tokens it is sent would be "issued
in the future" or long expired there. ``PORTAL_TEST_NOW`` (Unix seconds, set by
``clocked_env``) is where this process's clock starts; it ticks from there.
"""

from __future__ import annotations

import os
import runpy
import sys
import time

import time_machine


def clocked_env() -> dict[str, str]:
    """The variables that make a child started with this module share the suite's clock."""
    return {"PORTAL_TEST_NOW": repr(time.time())}


def main() -> None:
    time_machine.travel(float(os.environ["PORTAL_TEST_NOW"]), tick=True).start()
    module, *arguments = sys.argv[1:]
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
