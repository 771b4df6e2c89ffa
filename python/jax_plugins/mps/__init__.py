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


def initialize() -> None:
  path = library_path()
  if path is None:
    logger.warning(
        "applejax: the plugin library is missing from %s; reinstall applejax",
        Path(__file__).parent)
    return
  from jax._src import xla_bridge

  priority = _PRIORITY_DEFAULT if wants_default() else _PRIORITY_OPT_IN
  xla_bridge.register_plugin(
      PLATFORM_NAME, priority=priority, library_path=str(path))
  from jax_plugins.mps import lowering

  lowering.register()
