"""The Python half of scripts/macos_selftest.sh: the pieces that are awkward or
unportable in bash (reading JSON and JUnit XML, a time limit without GNU
`timeout`, the markdown report). Standard library only: the first commands run
before any venv exists, and `facts` runs inside the fresh venv.

    selftest_report.py requirements LOCK OS       pip pins of applejax.lock.json
    selftest_report.py sha256 FILE                the file's SHA-256
    selftest_report.py facts OUT.json             what jax and the plugin report
    selftest_report.py limit SECONDS LOG -- CMD   CMD with a time limit, tee'd to LOG
    selftest_report.py report RESULTS_DIR OUT.md  the markdown report
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

# Build tools pinned in the lock that neither the tests the self-test runs
# nor the demo import (tests/macos_selftest.test.ts checks that).
BUILD_ONLY = {"maturin", "ziglang", "lief", "uv"}

# Device attributes to ask for. jaxlib's Device answers attribute lookups from
# the plugin's PJRT attribute table but cannot list it, so these are the names
# the plugin gives (native/runtime/gpu_facts.cc: mlx_backend and MLX's
# device_info keys, two renamed) and ones it may gain; absent ones are simply
# not printed.
ATTRIBUTE_NAMES = ("mlx_backend", "device_name", "architecture", "memory_size",
                   "recommended_working_set_size", "max_buffer_length", "resource_limit",
                   "device_info_error", "core_count")

TIMED_OUT = 124  # what GNU timeout returns, so the shell side reads it the same


# --- requirements ---------------------------------------------------------------------------


def requirements(lock_path: str, os_name: str) -> list[str]:
  """The lock's Python pins for one OS as pip requirements, the way
  src/pins/lock.ts's pipRequirements writes them (`mlx[cpu]==0.32.4` on
  Linux), less the build-only tools."""
  try:
    lock = json.loads(pathlib.Path(lock_path).read_text())
    packages = lock["python"]["packages"]
  except (OSError, ValueError, KeyError, TypeError) as e:
    raise SystemExit(f"cannot read the Python pins from {lock_path}: {e}; "
                     "pass the checkout of the applejax repository the wheel came from")
  out = []
  for pin in packages:
    if pin["name"] in BUILD_ONLY:
      continue
    if "platforms" in pin and os_name not in pin["platforms"]:
      continue
    extras = pin.get("extras", {}).get(os_name, [])
    extra = f"[{','.join(extras)}]" if extras else ""
    out.append(f"{pin['name']}{extra}=={pin['version']}")
  return out


# --- facts ----------------------------------------------------------------------------------


def _version(dist: str) -> str | None:
  from importlib import metadata
  try:
    return metadata.version(dist)
  except metadata.PackageNotFoundError:
    return None


def facts() -> dict:
  """What the installed jax and plugin say about themselves. Each piece is
  caught on its own: a plugin that loads but lacks memory_stats still reports
  its devices."""
  import platform
  out: dict = {"python": platform.python_version(), "python_executable": sys.executable,
               "versions": {d: _version(d) for d in ("applejax", "jax", "jaxlib", "mlx",
                                                      "mlx-metal", "mlx-cpu", "numpy")}}
  try:
    from jax_plugins import mps as plugin
    out["plugin_library"] = str(plugin.library_path())
  except Exception as e:  # noqa: BLE001 - reported, not handled
    out["plugin_library_error"] = f"{type(e).__name__}: {e}"
  import jax
  try:
    devices = jax.devices("mps")
  except Exception as e:  # noqa: BLE001
    out["error"] = f"jax.devices('mps') failed: {type(e).__name__}: {e}"
    return out
  out["devices"] = [str(d) for d in devices]
  d = devices[0]
  out["device_kind"] = d.device_kind
  out["platform_version"] = d.client.platform_version
  attributes = {}
  for name in ATTRIBUTE_NAMES:
    try:
      attributes[name] = getattr(d, name)
    except AttributeError:
      pass
  out["attributes"] = {k: v if isinstance(v, (int, float, str, bool)) else repr(v)
                       for k, v in attributes.items()}
  try:
    out["memory_stats"] = d.memory_stats()
  except Exception as e:  # noqa: BLE001
    out["memory_stats_error"] = f"{type(e).__name__}: {e}"
  out["default_backend"] = jax.default_backend()
  out["all_devices"] = [str(x) for x in jax.devices()]
  try:  # the smallest program that proves the device computes
    import jax.numpy as jnp
    y = jax.jit(lambda x: x * 2 + 1)(jax.device_put(jnp.arange(4, dtype=jnp.float32), d))
    out["smoke"] = {"result": [float(v) for v in y], "devices": sorted(str(x) for x in y.devices())}
    if out["smoke"]["result"] != [1.0, 3.0, 5.0, 7.0]:
      out["error"] = f"2*arange(4)+1 on {d} gave {out['smoke']['result']}"
  except Exception as e:  # noqa: BLE001
    out["error"] = f"a first jit on {d} failed: {type(e).__name__}: {e}"
  return out


# --- limit ----------------------------------------------------------------------------------


def limit(seconds: float, log_path: str, command: list[str]) -> int:
  """Runs command in its own process group, copying its output to stdout and
  log_path; kills the group after `seconds`. Returns its exit status, or 124
  when the limit stopped it. macOS has no `timeout`, hence this."""
  with open(log_path, "wb") as log:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + seconds
    timed_out = False
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    stopped = None
    try:
      while True:
        left = deadline - time.monotonic()
        if left <= 0:
          timed_out = True
          stopped = f"stopped after the {seconds:g} s limit"
          break
        if not sel.select(timeout=min(left, 1.0)):
          continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
          break
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        log.write(chunk)
    except KeyboardInterrupt:
      # The command runs in its own session, out of reach of the terminal's
      # Ctrl-C: stop it here or it would outlive the script.
      stopped = "interrupted"
    if stopped:
      note = f"\n[selftest] {stopped}\n".encode()
      sys.stdout.buffer.write(note)
      log.write(note)
      _kill_group(proc)
    proc.wait()
  if stopped == "interrupted":
    return 130
  return TIMED_OUT if timed_out else proc.returncode


def _kill_group(proc: subprocess.Popen) -> None:
  try:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
      proc.wait(10)
    except subprocess.TimeoutExpired:
      os.killpg(proc.pid, signal.SIGKILL)
  except ProcessLookupError:
    pass


# --- report ---------------------------------------------------------------------------------


def test_module(classname: str) -> str:
  """`tests.python.test_dot.TestX` -> `test_dot.TestX`: junit's classname is the
  dotted path from pytest's rootdir, which depends on where pytest found one."""
  parts = classname.split(".")
  for i, part in enumerate(parts):
    if part.startswith("test_"):
      return ".".join(parts[i:])
  return classname


def junit_counts(xml_path: pathlib.Path) -> dict:
  """Counts and failures from pytest's --junitxml file."""
  root = ET.parse(xml_path).getroot()
  counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
  failures = []
  for case in root.iter("testcase"):
    name = f"{test_module(case.get('classname', ''))}::{case.get('name', '')}"
    kinds = {child.tag for child in case}
    if "failure" in kinds or "error" in kinds:
      tag = "failure" if "failure" in kinds else "error"
      counts["failed" if tag == "failure" else "errors"] += 1
      message = (case.find(tag).get("message") or "").strip().splitlines()
      failures.append(f"{name}: {message[0][:200] if message else tag}")
    elif "skipped" in kinds:
      counts["skipped"] += 1
    else:
      counts["passed"] += 1
  return {"counts": counts, "failures": failures}


def last_lines(text: str, n: int) -> list[str]:
  # Progress bars redraw with carriage returns: keep each line's final state.
  lines = [line.rsplit("\r", 1)[-1].rstrip() for line in text.splitlines()]
  return [line for line in lines if line][-n:]


def _unfinished_bar(line: str) -> bool:
  m = re.search(r"\[[#.]+\]\s+(\d+)/(\d+)\b", line)
  return bool(m) and m.group(1) != m.group(2)


def _cell(value) -> str:
  """A value on one line of a markdown table (platform_version has two)."""
  return " / ".join(str(value).splitlines()).replace("|", "\\|")


def _read(path: pathlib.Path) -> str | None:
  try:
    return path.read_text(errors="replace")
  except OSError:
    return None


def _key_values(path: pathlib.Path) -> list[tuple[str, str]]:
  text = _read(path) or ""
  return [tuple(line.split("\t", 1)) for line in text.splitlines() if "\t" in line]


def report(results: pathlib.Path) -> str:
  """The markdown report from what macos_selftest.sh left in `results`:
  machine.tsv and steps.tsv (tab-separated), plugin.json, pytest.xml and
  pytest.log, demo.log and demo.rc."""
  steps = [line.split("\t") for line in (_read(results / "steps.tsv") or "").splitlines()]
  failed = [s for s in steps if len(s) >= 2 and s[1] == "FAIL"]
  out = ["## applejax self-test", ""]
  verdict = "PASS" if steps and not failed else "FAIL"
  first = f" (first failure: {failed[0][0]}: {failed[0][3]})" if failed and len(failed[0]) > 3 else ""
  out += [f"**Result: {verdict}**{first}", ""]

  out += ["### Machine", "", "| | |", "|---|---|"]
  out += [f"| {k} | {v} |" for k, v in _key_values(results / "machine.tsv")]
  out.append("")

  out += ["### Plugin", ""]
  plugin = _read(results / "plugin.json")
  if plugin is None:
    out += ["not reached", ""]
  else:
    p = json.loads(plugin)
    rows = [(f"{k} version", v) for k, v in p.get("versions", {}).items() if v]
    for key in ("plugin_library", "devices", "device_kind", "platform_version",
                "default_backend", "all_devices", "smoke", "error", "plugin_library_error",
                "memory_stats_error"):
      if key in p:
        rows.append((key, p[key]))
    rows += [(f"attribute {k}", v) for k, v in p.get("attributes", {}).items()]
    rows += [(f"memory_stats {k}", v) for k, v in (p.get("memory_stats") or {}).items()]
    out += ["| | |", "|---|---|"]
    out += [f"| {k} | `{_cell(v)}` |" for k, v in rows]
    out.append("")

  out += ["### Op suite", ""]
  xml = results / "pytest.xml"
  command = _read(results / "pytest.cmd")
  if command:
    out += [f"`{command.strip()}`", ""]
  if xml.exists():
    try:
      j = junit_counts(xml)
      c = j["counts"]
      out.append(f"{c['passed']} passed, {c['failed']} failed, {c['errors']} errors, "
                 f"{c['skipped']} skipped (pytest exit {(_read(results / 'pytest.rc') or '?').strip()})")
      if j["failures"]:
        out += ["", f"First failures ({min(len(j['failures']), 20)} of {len(j['failures'])}):", ""]
        out += [f"- `{f}`" for f in j["failures"][:20]]
    except ET.ParseError as e:
      out.append(f"pytest's report {xml} is unreadable ({e}); see pytest.log")
  elif (results / "pytest.log").exists():
    out += ["pytest wrote no report; its last lines:", "", "```"]
    out += last_lines(_read(results / "pytest.log") or "", 15) + ["```"]
  else:
    out.append("not reached")
  notes = _read(results / "pytest.notes")
  if notes:
    out += ["", *[f"- {line}" for line in notes.splitlines() if line]]
  out.append("")

  out += ["### Demo", ""]
  demo = _read(results / "demo.log")
  if demo is None:
    out.append("not reached")
  else:
    out += [f"`{(_read(results / 'demo.cmd') or '').strip()}` exit "
            f"{(_read(results / 'demo.rc') or '?').strip()}", "", "```"]
    # The demo's progress bars (examples/training.py) print a line per update
    # when not on a terminal: keep each bar's last, then both closing tables.
    kept = [line for line in last_lines(demo, 10_000) if not _unfinished_bar(line)]
    out += kept[-24:] + ["```"]
  out.append("")

  out += ["### Steps", "", "| step | result | seconds | note |", "|---|---|---|---|"]
  out += [f"| {' | '.join(s + [''] * (4 - len(s)))} |" for s in steps]
  out += ["", f"Logs: `{results}`", ""]
  return "\n".join(out)


def main(argv: list[str]) -> int:
  if len(argv) >= 3 and argv[0] == "requirements":
    print("\n".join(requirements(argv[1], argv[2])))
    return 0
  if len(argv) == 2 and argv[0] == "sha256":
    import hashlib
    with open(argv[1], "rb") as f:
      print(hashlib.file_digest(f, "sha256").hexdigest())
    return 0
  if len(argv) == 2 and argv[0] == "facts":
    f = facts()
    pathlib.Path(argv[1]).write_text(json.dumps(f, indent=1, default=str))
    for k, v in f.items():
      print(f"  {k}: {v}")
    return 1 if "error" in f else 0
  if len(argv) >= 5 and argv[0] == "limit" and argv[3] == "--":
    return limit(float(argv[1]), argv[2], argv[4:])
  if len(argv) == 3 and argv[0] == "report":
    text = report(pathlib.Path(argv[1]))
    pathlib.Path(argv[2]).write_text(text)
    print(text)
    return 0
  print(__doc__, file=sys.stderr)
  return 2


if __name__ == "__main__":
  raise SystemExit(main(sys.argv[1:]))
