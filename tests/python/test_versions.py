"""The jax range applejax declares, the warning outside it, and the installed
library: found inside the venv it was installed into, with no build path."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import sysconfig

import pytest

from jax_plugins import mps as plugin

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version", ["0.9.2", "0.10.2", "0.11.2", "0.12.0.1", "0.12.9.dev1"])
def test_inside_the_range_no_warning(version):
  assert plugin.range_warning(version) is None


@pytest.mark.parametrize("version,side", [("0.13.0", "newer"), ("0.13.0rc1", "newer"),
                                          ("1.0.0", "newer"), ("0.9.1", "older")])
def test_outside_the_range_a_warning_naming_it(version, side):
  message = plugin.range_warning(version)
  assert f"jaxlib {version} is {side}" in message
  assert "jax>=0.9.2,<0.13" in message


def test_pyproject_declares_the_same_range():
  text = (ROOT / "pyproject.toml").read_text()
  low, high = plugin.VERIFIED_JAX
  for name in ("jax", "jaxlib"):
    assert re.search(rf'^\s*"{name}>={re.escape(low)},<{re.escape(high)}",', text, re.M), name


def test_a_newer_jaxlib_warns_and_the_plugin_still_runs():
  # After `import jax` (which checks jaxlib against jax itself), before the
  # first backend use, which is when jax initialises plugins.
  code = ("import jax, jax.numpy as jnp\n"
          "import jaxlib.version as v; v.__version__ = '0.13.0'\n"
          "print(float(jax.jit(lambda x: x + 1)(jax.device_put(jnp.float32(1), "
          "jax.devices('mps')[0]))))\n")
  proc = subprocess.run([sys.executable, "-W", "always::RuntimeWarning", "-c", code],
                        capture_output=True, text=True, timeout=120, check=False)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert proc.stdout.strip() == "2.0"
  assert "jaxlib 0.13.0 is newer than the versions this applejax release" in proc.stderr


def test_the_library_jax_loads():
  path = plugin.library_path()
  override = os.environ.get("APPLEJAX_PLUGIN_PATH")
  if override:  # the sanitizer stage points at its own build
    assert path == pathlib.Path(override)
    return
  # Installed: the wheel's copy inside this interpreter's site-packages.
  site = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
  assert path is not None and path.resolve().parent == site / "jax_plugins" / "mps", path
  if sys.platform.startswith("linux"):
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                         check=True).stdout
    entries = [e for m in re.findall(r"Library (?:rpath|runpath): \[([^\]]*)\]", out)
               for e in m.split(":") if e]
    assert entries, "the installed library has no RPATH: it would not find libmlx"
    assert all(e.startswith("$ORIGIN") for e in entries), entries
