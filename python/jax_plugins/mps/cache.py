"""JAX's persistent compilation cache for the mps platform.

JAX (0.9.2 through 0.13 at least) decides once per process whether the cache
is used, in `jax._src.compilation_cache.is_cache_used`, and only for the
platforms it names there ("tpu", "gpu", "cpu", "neuron"): for mps it answers
False and nothing is written, whatever `jax_compilation_cache_dir` says. The
plugin implements what the cache needs (PJRT_Executable_Serialize and
DeserializeAndLoad, a platform_version with the plugin and MLX versions in
it), so `install()` answers for mps the way JAX answers for its own
platforms, and leaves every other backend to JAX.

The rest is JAX's usual policy, unchanged: an entry is written only when the
compile took at least `jax_persistent_cache_min_compile_time_secs` (1 s by
default) and is at least `jax_persistent_cache_min_entry_size_bytes` big.
"""

from __future__ import annotations

import logging

from jax_plugins.mps import PLATFORM_NAME

logger = logging.getLogger(__name__)


def install() -> None:
  """Lets JAX use its persistent compilation cache for mps executables."""
  try:
    # Private: the platform check lives only here; no public API changes it.
    from jax._src import compilation_cache
  except ImportError:  # a JAX without the module: nothing to enable
    return
  original = getattr(compilation_cache, "is_cache_used", None)
  enabled = getattr(compilation_cache, "is_persistent_cache_enabled", None)
  if original is None or enabled is None or getattr(original, "_applejax", False):
    if original is None or enabled is None:
      logger.debug("applejax: this JAX has no is_cache_used/is_persistent_cache_enabled; "
                   "the persistent cache stays off for mps")
    return

  def is_cache_used(backend) -> bool:
    # JAX's own check is remembered for the whole process after its first
    # call, so mps must not go through it: asked first, it would also turn
    # the cache off for cpu. Asked each time instead, and only with a cache
    # directory set, so a program without one never pays for the cache key.
    if getattr(backend, "platform", None) == PLATFORM_NAME:
      return bool(enabled())
    return original(backend)

  is_cache_used._applejax = True  # type: ignore[attr-defined]
  is_cache_used.__wrapped__ = original  # type: ignore[attr-defined]
  compilation_cache.is_cache_used = is_cache_used
