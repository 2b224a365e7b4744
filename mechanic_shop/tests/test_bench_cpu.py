"""`make bench`'s CPU per request: a gunicorn master's workers, counted alive and after the master has reaped them."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import workers_cpu_seconds

# A worker: spends about half a second of CPU, says so, and waits to be told to exit.
WORKER = """
import sys, time
end = time.process_time() + 0.5
while time.process_time() < end:
    pass
print("spun", flush=True)
sys.stdin.read()
"""
# A master with that one worker and no other child (this test's own process may have others, which could start or
# end within the test): it says when the worker has spun, then, told to, reaps it and says so.
MASTER = f"""
import subprocess, sys
worker = subprocess.Popen([sys.executable, "-c", {WORKER!r}], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
print(worker.stdout.readline(), end="", flush=True)
sys.stdin.readline()
worker.communicate("")
print("reaped", flush=True)
sys.stdin.readline()
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def test_a_live_worker_and_a_reaped_one_both_count_once():
    master = subprocess.Popen([sys.executable, "-c", MASTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert master.stdout.readline() == "spun\n"
        alive = workers_cpu_seconds(master.pid)
        master.stdin.write("\n")
        master.stdin.flush()
        assert master.stdout.readline() == "reaped\n"
        reaped = workers_cpu_seconds(master.pid)
    finally:
        master.communicate("\n")
    # About half a second (the spin, and the interpreter's start), counted once, alive and reaped alike.
    assert 0.4 <= alive < 0.9
    assert 0.4 <= reaped < 0.9


def test_no_master_no_measure():
    assert workers_cpu_seconds(None) is None
