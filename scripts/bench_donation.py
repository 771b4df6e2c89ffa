"""Peak memory of a train step with and without donating the parameters and
optimiser state (jit(step, donate_argnums=(0, 1, 2))), on the plugin (`mps`)
and on XLA:CPU. Each configuration runs in its own process, because a device's
peak only ever grows. Prints a markdown table:

- state: bytes of parameters + model state + optimiser state ("wide" is an
  MLP whose state dwarfs its activations, the case donation is for);
- mps peak above state: the device's peak_bytes_in_use (MLX's allocator, from
  memory_stats()) after the steps, less its bytes_in_use once the state was
  placed, i.e. what the steps needed on top of the state they update;
- process peak RSS: the whole process (ru_maxrss), for both backends; XLA:CPU
  has no memory_stats.

    PYTHONPATH=examples .venv/bin/python scripts/bench_donation.py [--steps N] [--only mlp ...]

APPLEJAX_PLUGIN_PATH picks a development build of the plugin, as everywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ("wide", "mlp", "transformer", "resnet18")


def _wide_example():
  """An MLP whose parameters and Adam state (3 x 48 MiB) dwarf its
  activations (batch 8): the case donation is for."""
  import jax
  import jax.numpy as jnp
  import numpy as np
  import optax

  from training import Example

  width, depth, batch = 2048, 3, 8

  def init(key):
    keys = jax.random.split(key, depth)
    return [jax.random.normal(k, (width, width), jnp.float32) / np.sqrt(width) for k in keys], ()

  def loss(params, state, b):
    x, y = b
    for w in params:
      x = jnp.tanh(x @ w)
    return jnp.mean((x - y) ** 2), state

  def batches(count, seed):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((batch, width), np.float32),
             rng.standard_normal((batch, width), np.float32)) for _ in range(count)]

  return Example(name="wide", init=init, loss=loss, batches=batches,
                 optimizer=lambda: optax.adam(1e-3), steps=5,
                 describe=f"MLP {depth} x {width}^2, batch {batch}")


def _example(name: str):
  sys.path[:0] = [str(ROOT / "examples")]
  if name == "wide":
    return _wide_example()
  if name == "transformer":
    import transformer

    return transformer.make_example(transformer.DEMO)
  module = __import__(name)
  return module.EXAMPLE


def child(model: str, platform: str, donate: bool, steps: int) -> dict:
  import jax

  import training

  device = jax.devices(platform)[0]
  example = _example(model)
  opt = example.optimizer()

  def step(params, state, opt_state, batch):
    (loss, state), grads = jax.value_and_grad(example.loss, has_aux=True)(params, state, batch)
    updates, opt_state = opt.update(grads, opt_state, params)
    import optax

    return optax.apply_updates(params, updates), state, opt_state, loss

  jitted = jax.jit(step, donate_argnums=(0, 1, 2) if donate else ())
  values = jax.device_put(training.initial_values(example), device)
  batches = [jax.device_put(b, device) for b in example.batches(4, 0)]
  jax.block_until_ready((values, batches))
  state_bytes = sum(leaf.nbytes for leaf in jax.tree.leaves(values))
  stats = device.memory_stats() or {}
  placed = stats.get("bytes_in_use")
  params, state, opt_state = values
  del values
  for i in range(steps):
    params, state, opt_state, loss = jitted(params, state, opt_state, batches[i % len(batches)])
  float(loss)
  stats = device.memory_stats() or {}
  peak = stats.get("peak_bytes_in_use")
  return {
      "state_bytes": state_bytes,
      "peak_above_state": (peak - placed) if peak is not None and placed is not None else None,
      "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
  }


def run_child(model: str, platform: str, donate: bool, steps: int) -> dict:
  env = dict(os.environ, JAX_PLATFORMS=f"{platform},cpu" if platform != "cpu" else "cpu")
  env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "examples"), env.get("PYTHONPATH")]))
  out = subprocess.run([sys.executable, __file__, "--child", model, platform, str(int(donate)),
                        str(steps)], env=env, capture_output=True, text=True, check=False)
  if out.returncode != 0:
    raise RuntimeError(f"{model} on {platform} (donate={donate}) failed:\n{out.stderr[-3000:]}")
  return json.loads(out.stdout.strip().splitlines()[-1])


def mib(n) -> str:
  return "—" if n is None else f"{n / 2**20:.1f}"


def main() -> int:
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--steps", type=int, default=5)
  parser.add_argument("--only", nargs="*", default=list(MODELS[:3]), choices=MODELS)
  parser.add_argument("--platforms", nargs="*", default=["mps", "cpu"])
  parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.child:
    model, platform, donate, steps = args.child
    print(json.dumps(child(model, platform, donate == "1", int(steps))))
    return 0

  print(f"Peak memory of {args.steps} train steps, MiB (one process per row)\n")
  print("| model | backend | donation | state | peak above state (memory_stats) | "
        "process peak RSS |")
  print("| --- | --- | --- | ---: | ---: | ---: |")
  for model in args.only:
    for platform in args.platforms:
      for donate in (False, True):
        r = run_child(model, platform, donate, args.steps)
        print(f"| {model} | {platform} | {'yes' if donate else 'no'} | {mib(r['state_bytes'])} | "
              f"{mib(r['peak_above_state'])} | {mib(r['rss_peak'])} |", flush=True)
  return 0


if __name__ == "__main__":
  sys.exit(main())
