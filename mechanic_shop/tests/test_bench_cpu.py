"""`make bench`'s CPU per request: a gunicorn master's workers, counted alive and after the master has reaped them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import workers_cpu_seconds

# A child that spends about half a second of CPU, says so, and waits to be told to exit.
SPIN = """
import sys, time
end = time.process_time() + 0.5
while time.process_time() < end:
    pass
print("spun", flush=True)
sys.stdin.read()
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def test_a_live_worker_and_a_reaped_one_both_count():
    # This test's process stands for the master: what its children spend is what the bench counts.
    before = workers_cpu_seconds(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", SPIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "spun\n"
        alive = workers_cpu_seconds(os.getpid())
    finally:
        child.communicate("")  # it exits, and is reaped: its times move to this process's children's times
    reaped = workers_cpu_seconds(os.getpid())
    # About half a second each time (the spin, and the interpreter's start): counted once, alive and reaped alike.
    assert 0.4 <= alive - before < 0.9
    assert 0.4 <= reaped - before < 0.9


def test_no_master_no_measure():
    assert workers_cpu_seconds(None) is None
