"""What the three example models share: the train step, running it on one
device, a progress bar, and the mps-vs-cpu closing table.

A model is an `Example`: `init(key) -> (params, state)` (state: BatchNorm
statistics, empty for models without), `loss(params, state, batch) -> (loss,
state)`, `batches(count, seed)` -> host (numpy) batches, and an optax
`optimizer()`. The same initial values and batches go to every backend, so two
runs of one example are the same computation and their loss curves must agree.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from typing import Any, Callable

import jax
import numpy as np
import optax


@dataclasses.dataclass(frozen=True)
class Example:
  name: str
  init: Callable[[jax.Array], tuple[Any, Any]]
  loss: Callable[[Any, Any, Any], tuple[jax.Array, Any]]
  batches: Callable[[int, int], list[tuple[np.ndarray, ...]]]
  optimizer: Callable[[], optax.GradientTransformation]
  steps: int
  describe: str
  # How far the mps and cpu loss curves may drift apart (relative). Both run
  # the same arithmetic, but rounding differs in the last bit and training
  # amplifies it; see examples/resnet18.py for a model where it grows.
  rtol: float = 2e-2


def make_train_step(example: Example):
  """One jitted step: gradient of the loss, optax update, new params."""
  opt = example.optimizer()

  def step(params, state, opt_state, batch):
    (loss, state), grads = jax.value_and_grad(example.loss, has_aux=True)(params, state, batch)
    updates, opt_state = opt.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), state, opt_state, loss

  return opt, jax.jit(step)


def initial_values(example: Example, seed: int = 0):
  """Parameters, model state and optimiser state, made once on the cpu backend
  so that every device starts from identical bits."""
  cpu = jax.devices("cpu")[0]
  with jax.default_device(cpu):
    params, state = example.init(jax.random.key(seed))
    opt_state = example.optimizer().init(params)
  return jax.device_get((params, state, opt_state))


@dataclasses.dataclass
class Run:
  device: jax.Device
  losses: list[float]
  step_seconds: list[float]  # one per step; [0] includes tracing and compiling

  @property
  def first_step(self) -> float:
    return self.step_seconds[0]

  @property
  def median_step(self) -> float:
    rest = self.step_seconds[1:] or self.step_seconds
    return statistics.median(rest)


def train(example: Example, device: jax.Device, steps: int, *, batches=None, progress=None,
          seed: int = 0) -> Run:
  """Trains `example` for `steps` steps on `device`; times every step (the
  loss is read back each step, which also waits for the step to finish)."""
  batches = batches if batches is not None else example.batches(min(steps, 16), seed)
  _, step = make_train_step(example)
  params, state, opt_state = jax.device_put(initial_values(example, seed), device)
  on_device = [jax.device_put(b, device) for b in batches]
  losses, seconds = [], []
  for i in range(steps):
    t0 = time.perf_counter()
    params, state, opt_state, loss = step(params, state, opt_state, on_device[i % len(on_device)])
    value = float(loss)
    seconds.append(time.perf_counter() - t0)
    losses.append(value)
    if progress is not None:
      progress(i + 1, value, seconds[-1])
  return Run(device, losses, seconds)


class ProgressBar:
  """A one-line progress bar on stderr (redrawn in place on a terminal, a line
  every tenth of the run otherwise)."""

  def __init__(self, label: str, total: int, width: int = 30):
    self.label, self.total, self.width = label, total, width
    self.tty = sys.stderr.isatty()
    self.start = time.perf_counter()

  def __call__(self, done: int, loss: float, step_seconds: float) -> None:
    if not self.tty and done % max(1, self.total // 10) and done != self.total:
      return
    filled = self.width * done // self.total
    bar = "#" * filled + "." * (self.width - filled)
    elapsed = time.perf_counter() - self.start
    line = (f"{self.label:<5} [{bar}] {done:>4}/{self.total} loss {loss:7.4f} "
            f"{step_seconds * 1e3:8.1f} ms/step  {elapsed:6.1f} s")
    end = "\n" if done == self.total or not self.tty else ""
    print(("\r" if self.tty else "") + line, end=end, file=sys.stderr, flush=True)


def curve_difference(a: list[float], b: list[float]) -> tuple[float, float]:
  """Largest absolute and relative difference between two loss curves."""
  x, y = np.asarray(a), np.asarray(b)
  diff = np.abs(x - y)
  return float(diff.max()), float((diff / np.maximum(np.abs(y), 1e-12)).max())


def table(rows: list[list[str]], header: list[str]) -> str:
  """A GitHub-flavoured markdown table (readable in a terminal as well)."""
  cols = [header] + rows
  widths = [max(len(r[i]) for r in cols) for i in range(len(header))]
  line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
  return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] +
                   [line(r) for r in rows])


def compare_backends(example: Example, steps: int | None = None) -> bool:
  """Trains `example` on mps and on cpu with the same start and batches,
  shows a progress bar for each, then the closing table. Returns whether the
  two loss curves agree within `example.rtol` and the loss fell by half."""
  steps = steps or example.steps
  rtol = example.rtol
  print(f"{example.name}: {example.describe}; {steps} steps on mps, then on cpu", flush=True)
  batches = example.batches(min(steps, 16), 0)
  runs = [train(example, jax.devices(p)[0], steps, batches=batches,
                progress=ProgressBar(p, steps)) for p in ("mps", "cpu")]
  mps, cpu = runs
  abs_diff, rel_diff = curve_difference(mps.losses, cpu.losses)
  agree = rel_diff <= rtol
  fell = mps.losses[-1] < 0.5 * mps.losses[0]
  rows = [[r.device.platform, f"{r.median_step * 1e3:.2f}", f"{r.first_step:.2f}",
           f"{r.losses[0]:.4f}", f"{r.losses[-1]:.4f}"] for r in runs]
  print()
  print(table(rows, ["backend", "ms/step (median)", "first step s (compile)", "first loss",
                     "last loss"]))
  print()
  marks = sorted({0, steps - 1, *range(0, steps, max(1, steps // 8))})
  print(table([[str(i + 1), f"{mps.losses[i]:.5f}", f"{cpu.losses[i]:.5f}"] for i in marks],
              ["step", "loss on mps", "loss on cpu"]))
  print()
  print(f"mps/cpu time per step: {mps.median_step / cpu.median_step:.2f}x")
  print(f"loss curves over {steps} steps: largest difference {abs_diff:.2e} "
        f"(relative {rel_diff:.2e}) -> {'agree' if agree else 'DISAGREE'} (rtol {rtol:g})")
  print(f"loss fell from {mps.losses[0]:.4f} to {mps.losses[-1]:.4f}"
        + ("" if fell else " -- NOT by half"))
  return agree and fell
