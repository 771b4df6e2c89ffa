"""applejax: JAX on Apple-silicon GPUs through MLX.

JAX imports this module at start-up (the `jax_plugins` namespace package and
the `jax_plugins` entry point) and calls `initialize()`, which registers the
PJRT plugin library that sits next to this file.

Which backend becomes JAX's default:
  * macOS: `mps` is the default (that is what installing applejax is for).
  * Linux and elsewhere: `mps` runs on MLX's CPU (or CUDA) device and is only
    a development target, so it never displaces JAX's own default unless
    asked: `JAX_PLATFORMS=mps` (or a list that starts with it) or
    `APPLEJAX_DEFAULT=1`. `jax.devices("mps")` works either way.

On Linux, the plugin sends MLX's matrix products to the OpenBLAS it links for
LAPACK; APPLEJAX_BLAS=reference keeps MLX's reference BLAS.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

PLATFORM_NAME = "mps"
_LIBRARY_NAMES = ("libpjrt_plugin_mps.dylib", "libpjrt_plugin_mps.so")

# The jax/jaxlib versions this release is verified with (pyproject.toml's
# dependencies say the same; `deno task test` runs both ends). Outside it the
# plugin still registers and warns: JAX programs usually keep working.
VERIFIED_JAX = ("0.9.2", "0.13")

# JAX picks its default backend by priority; its cpu backend has priority 0.
_PRIORITY_DEFAULT = 500
_PRIORITY_OPT_IN = -100

logger = logging.getLogger(__name__)


def library_path() -> Path | None:
  """The plugin shared library shipped in this package, if present."""
  override = os.environ.get("APPLEJAX_PLUGIN_PATH")
  if override:
    return Path(override)
  here = Path(__file__).resolve().parent
  for name in _LIBRARY_NAMES:
    candidate = here / name
    if candidate.exists():
      return candidate
  return None


def wants_default() -> bool:
  """Whether `mps` should outrank JAX's own backends."""
  if os.environ.get("APPLEJAX_DEFAULT", "") not in ("", "0"):
    return True
  return sys.platform == "darwin"


def _release(version: str) -> tuple[int, ...]:
  """The leading numeric release of a version string: '0.12.0.1' -> (0, 12, 0, 1)."""
  parts = []
  for piece in version.split("."):
    digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
    if not digits:
      break
    parts.append(int(digits))
    if digits != piece:  # '0rc1': a pre-release of 0; stop there
      break
  return tuple(parts)


def range_warning(jaxlib_version: str) -> str | None:
  """The warning for a jaxlib outside VERIFIED_JAX, or None inside it."""
  low, high = VERIFIED_JAX
  v = _release(jaxlib_version)
  if _release(low) <= v < _release(high):
    return None
  side = "newer" if v >= _release(high) else "older"
  return (f"applejax: jaxlib {jaxlib_version} is {side} than the versions this applejax release "
          f"is verified with (jax>={low},<{high}). The mps backend is registered anyway; if a "
          f"program fails on it, try jax and jaxlib inside that range "
          f"(pip install 'jax>={low},<{high}' 'jaxlib>={low},<{high}') and report the failure.")


def _warn_outside_range() -> None:
  try:
    from jaxlib import version as jaxlib_version

    message = range_warning(jaxlib_version.__version__)
  except Exception:  # noqa: BLE001 - a version check must never stop the plugin
    return
  if message:
    import warnings

    warnings.warn(message, RuntimeWarning, stacklevel=2)


def initialize() -> None:
  path = library_path()
  if path is None:
    logger.warning(
        "applejax: the plugin library is missing from %s; reinstall applejax",
        Path(__file__).parent)
    return
  _warn_outside_range()
  from jax._src import xla_bridge

  priority = _PRIORITY_DEFAULT if wants_default() else _PRIORITY_OPT_IN
  xla_bridge.register_plugin(
      PLATFORM_NAME, priority=priority, library_path=str(path))
  from jax_plugins.mps import cache, callbacks, dlpack, donation, export_support, lowering

  lowering.register()
  callbacks.register()
  callbacks.install_handler(str(path))
  donation.register()
  cache.install()
  dlpack.install()
  export_support.install()
