"""jax.export of programs lowered for `mps`.

JAX refuses to serialize a module with a custom call whose target is not on its
list of targets with a compatibility guarantee (jax/_src/export/_export.py), so a
jitted eigh, svd or lu lowered for mps (lowering.py's `applejax.<name>` calls)
could not be exported. The plugin makes that guarantee for these targets: each one's
operands, results and backend_config keys are fixed (lowering.py's docstring), and a
later plugin that changed one would give it a new name. `applejax.host_callback` is
left out on purpose: its backend_config names a Python function of the exporting
process, which means nothing to another one (JAX refuses to export host callbacks on
every platform).
"""

from __future__ import annotations

# Every target lowering.register() emits, minus host callbacks.
STABLE_TARGETS = (
    "applejax.lu",
    "applejax.geqp3",
    "applejax.eigh",
    "applejax.eig",
    "applejax.schur",
    "applejax.hessenberg",
    "applejax.tridiagonal",
    "applejax.svd",
)


def install() -> None:
  """Adds the plugin's linalg targets to jax.export's stable custom calls."""
  # jax._src: the set has no public API. It is a module-level set, read by
  # _check_module at each export, in jax 0.9.2, 0.10.2 and 0.12.
  from jax._src.export import _export

  _export._CUSTOM_CALL_TARGETS_GUARANTEED_STABLE.update(STABLE_TARGETS)
