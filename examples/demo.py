"""`deno task demo`: trains the example transformer (examples/transformer.py at
its demo size) on the plugin's `mps` device with a progress bar, then the same
run on JAX's own `cpu` backend, and closes with a table: time per step on each
backend and whether the two loss curves agree.

    JAX_PLATFORMS=mps,cpu python examples/demo.py [--steps N]
"""

from __future__ import annotations

import argparse
import platform

import jax

import transformer
from training import compare_backends


def main() -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=300)
  args = parser.parse_args()
  mps = jax.devices("mps")[0]
  print(f"jax {jax.__version__}; devices: {mps} (plugin), {jax.devices('cpu')[0]} (XLA); "
        f"{platform.system()} {platform.machine()}")
  ok = compare_backends(transformer.make_example(transformer.DEMO, args.steps))
  return 0 if ok else 1


if __name__ == "__main__":
  raise SystemExit(main())
