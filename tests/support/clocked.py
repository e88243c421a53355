"""Run a module under the test suite's clock: ``python -m tests.support.clocked gunicorn …``.

The suite moves Python's clock with time-machine (see ``tests/conftest.py``); a server it
starts in another process must share that clock, or the tokens it is sent would be "issued
in the future" or long expired there. ``clocked_env`` passes how far the suite's clock is
from the real one (``PORTAL_TEST_CLOCK_OFFSET``, seconds); the child keeps that distance, so
both clocks read the same at every instant.
"""

from __future__ import annotations

import os
import runpy
import sys
import time

import time_machine


def clocked_env() -> dict[str, str]:
    """The variables that make a child started with this module share the suite's clock."""
    offset = time.time() - time_machine.escape_hatch.time.time()
    return {"PORTAL_TEST_CLOCK_OFFSET": repr(offset)}


def main() -> None:
    offset = float(os.environ["PORTAL_TEST_CLOCK_OFFSET"])
    time_machine.travel(time.time() + offset, tick=True).start()
    time.time()  # time-machine starts ticking at the first reading: now, not at first use
    module, *arguments = sys.argv[1:]
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
