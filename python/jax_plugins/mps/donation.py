"""Buffer donation on `mps` (`jit(..., donate_argnums=...)`).

JAX marks donated arguments in the program (`tf.aliasing_output` /
`jax.buffer_donor`) only for the platforms in its list of those with
donation, and warns "Donation is not implemented" for the others. The plugin
honours the marks: a donated input buffer is deleted at execute, as on
cpu/gpu, and its array is handed to the program without another reference,
so MLX reuses its memory for a result of the same size instead of
allocating a new one.
"""

from __future__ import annotations


def register() -> None:
  from jax._src.interpreters import mlir

  if "mps" not in mlir._platforms_with_donation:
    mlir._platforms_with_donation.append("mps")
