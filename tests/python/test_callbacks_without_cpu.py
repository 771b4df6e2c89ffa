"""Callbacks with JAX_PLATFORMS=mps, where JAX starts no cpu backend: JAX
places a callback's arguments on a cpu device first, so the shim hands them
over as host arrays instead. The same script runs with JAX_PLATFORMS=cpu, and
the two must print the same lines."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import functools
import warnings
warnings.simplefilter("ignore")
import numpy as np
import jax
import jax.numpy as jnp
from jax.experimental import io_callback

print("platform", jax.devices()[0].platform in ("mps", "cpu"))
x = jnp.arange(4.0)

@jax.jit
def printing(x):
  jax.debug.print("x={x} sum={s}", x=x, s=x.sum(), ordered=True)
  jax.debug.print("ordered {}", x * 2, ordered=True)
  return x + 1

print(printing(x))

seen = []
@jax.jit
def calling(x):
  jax.debug.callback(lambda v: seen.append(np.asarray(v).tolist()), x * 3)
  return x

jax.block_until_ready(calling(x))
print("seen", seen)

jax.debug.callback(lambda v: print("eager", np.asarray(v).tolist()), x)

@jax.jit
def pure(x):
  shape = jax.ShapeDtypeStruct(x.shape, x.dtype)
  return jax.pure_callback(lambda v: np.sin(v).astype(v.dtype), shape, x) + 1

print(np.round(np.asarray(pure(x)), 5).tolist())

@jax.jit
def io(x):
  shape = jax.ShapeDtypeStruct((), x.dtype)
  return io_callback(lambda v: np.asarray(v.sum() * 10, v.dtype), shape, x, ordered=True)

print(float(io(x)))

def body(c, v):
  jax.debug.print("step {v}", v=v, ordered=True)
  return c + v, c
print(jax.jit(lambda x: jax.lax.scan(body, 0.0, x))(x)[0])

print(float(jax.grad(lambda x: (jax.debug.print("g {}", x) or x) ** 2)(3.0)))
"""


def _run(platforms: str) -> list[str]:
  env = dict(os.environ, JAX_PLATFORMS=platforms)
  proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                        text=True, timeout=300, check=False)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return proc.stdout.splitlines()


def test_callbacks_print_the_same_without_a_cpu_backend():
  got, want = _run("mps"), _run("cpu")
  assert got == want
  assert len(want) == 15, want


@pytest.mark.parametrize("kind", ["pure_callback", "io_callback", "debug_callback"])
def test_callback_error_without_a_cpu_backend_reaches_the_caller(kind):
  script = f"""
import warnings; warnings.simplefilter("ignore")
import numpy as np, jax, jax.numpy as jnp
from jax.experimental import io_callback
def bad(v):
  raise ValueError("from the callback")
def f(x):
  if "{kind}" == "debug_callback":
    jax.debug.callback(bad, x)
    return x
  shape = jax.ShapeDtypeStruct(x.shape, x.dtype)
  call = jax.pure_callback if "{kind}" == "pure_callback" else io_callback
  return call(bad, shape, x)
try:
  jax.block_until_ready(jax.jit(f)(jnp.ones(3)))
  print("no error")
except Exception as e:
  print("error", "from the callback" in str(e))
print("next", float(jax.jit(lambda x: x.sum())(jnp.ones(3))))
"""
  out = {}
  for platforms in ("mps", "cpu"):
    env = dict(os.environ, JAX_PLATFORMS=platforms)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out[platforms] = proc.stdout.split("\n")
  assert out["mps"] == out["cpu"]
  assert out["cpu"][0] == "error True", out["cpu"]
