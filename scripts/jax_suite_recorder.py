"""pytest plugin that `scripts/jax_suite.py` loads into each run of one upstream file.

It records every test's outcome as one JSON line the moment it is known, so the runner
keeps the results of a process that crashes or hangs, and restarts the file without the
tests already seen. Two timeouts: a soft one raises inside the test (the test fails and
the run goes on); a hard one, for a test stuck in native code where no Python runs, lets
faulthandler end the process, and the runner records the test as a time-out.
"""

import faulthandler
import json
import os
import signal
import sys
import time
import zlib

import pytest

_RECORD = os.environ.get("JAX_SUITE_RECORD")
_SEEN = os.environ.get("JAX_SUITE_SEEN")
_TIMEOUT = float(os.environ.get("JAX_SUITE_TIMEOUT", "60"))
# The hard limit leaves room for the soft time-out's exception to unwind.
_HARD_EXTRA = float(os.environ.get("JAX_SUITE_HARD_EXTRA", "30"))

_out = open(_RECORD, "a", buffering=1) if _RECORD else None


def _emit(**event):
    if _out is not None:
        _out.write(json.dumps(event) + "\n")


class SuiteTimeout(Exception):
    """The soft per-test time-out of jax_suite.py."""


def _on_alarm(signum, frame):
    raise SuiteTimeout(f"test ran past the {_TIMEOUT:g} s time-out of jax_suite.py")


def pytest_configure(config):
    # Initialise the backends before any test: JAX warns that 'mps' is experimental
    # when it first starts the plugin, and the upstream suite turns warnings into
    # errors; that warning is about the platform, not about whichever test ran first.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jax

        backend = jax.default_backend()
    _emit(kind="session", backend=backend, jax=jax.__version__, pid=os.getpid())


def _in_shard(nodeid):
    shard = os.environ.get("JAX_SUITE_SHARD")
    if not shard:
        return True
    index, count = (int(x) for x in shard.split("/"))
    return zlib.crc32(nodeid.encode()) % count == index


def pytest_collection_modifyitems(session, config, items):
    # This process's shard of the file: a stable hash of the test id.
    other = [it for it in items if not _in_shard(it.nodeid)]
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = [it for it in items if _in_shard(it.nodeid)]
    seen = set()
    if _SEEN and os.path.exists(_SEEN):
        with open(_SEEN) as f:
            seen = {line.rstrip("\n") for line in f if line.strip()}
    if seen:
        kept = [it for it in items if it.nodeid not in seen]
        config.hook.pytest_deselected(items=[it for it in items if it.nodeid in seen])
        items[:] = kept


def pytest_collection_finish(session):
    _emit(kind="collected", count=len(session.items))


def pytest_collectreport(report):
    if report.failed:
        _emit(kind="collect_error", nodeid=report.nodeid, message=_message(report))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _emit(kind="start", nodeid=item.nodeid, t=time.time())
    faulthandler.dump_traceback_later(_TIMEOUT + _HARD_EXTRA, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, _TIMEOUT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _message(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None and crash.message:
        return crash.message
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2])  # a skip: (path, line, reason)
    return str(report.longrepr)[-2000:]


def pytest_runtest_logreport(report):
    # One outcome per test: the first phase that did not pass decides it.
    outcome = None
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        else:
            outcome = report.outcome
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    elif report.when == "teardown":
        outcome = "done"
    if outcome is None:
        return
    event = {"kind": "result", "nodeid": report.nodeid, "when": report.when,
             "outcome": outcome, "duration": round(report.duration, 3)}
    if outcome in ("failed", "error", "skipped", "xfailed"):
        event["message"] = _message(report)[:4000]
    _emit(**event)
