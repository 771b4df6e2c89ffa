"""Programs without host control flow can run through mlx::core::compile (the
default on the GPU; opt-in with APPLEJAX_COMPILE=1 on MLX's CPU backend).
Programs with loops are interpreted, their traceable loop bodies compiled.
This runs a few representative programs that way in a fresh interpreter and
compares them with the cpu backend."""

import os
import subprocess
import sys

PROGRAM = r"""
import jax, jax.numpy as jnp, numpy as np
from jax import lax
mps, cpu = jax.devices("mps")[0], jax.devices("cpu")[0]
rng = np.random.default_rng(0)
x = rng.standard_normal((8, 16)).astype(np.float32)
w = rng.standard_normal((16, 4)).astype(np.float32)
labels = np.array([0, 1, 2, 3, 0, 1, 2, 3], np.int32)

def loss(w, x, y):
  logp = jax.nn.log_softmax(jnp.tanh(x @ w) * 2.0 + 1.0)
  return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

programs = {
    "elementwise": (lambda v: jnp.exp(-v) * jnp.sin(v) + v ** 2, (x,)),
    "train_step": (lambda w, x, y: w - 0.1 * jax.grad(loss)(w, x, y), (w, x, labels)),
    "sort_and_reduce": (lambda v: (jnp.sort(v, axis=1), jnp.argmax(v, axis=0)), (x,)),
    "conv": (lambda v: lax.conv_general_dilated(v[None, None], jnp.ones((2, 1, 3, 3)), (1, 1), "SAME"), (x,)),
    # Loops: the program is interpreted, its traceable loop bodies are compiled.
    "scan_train": (lambda w, x, y: lax.scan(
        lambda w, _: (w - 0.1 * jax.grad(loss)(w, x, y), loss(w, x, y)), w, None, length=5), (w, x, labels)),
    "while_until": (lambda v: lax.while_loop(lambda s: s[1] < 100.0, lambda s: (s[0] + 1, s[1] * 2.0 + jnp.sum(s[2]) ** 2, jnp.tanh(s[2])),
                                             (0, 1.0, v)), (x,)),
    "loop_with_cond": (lambda v: lax.fori_loop(0, 4, lambda i, c: lax.cond(i % 2 == 0, jnp.sin, jnp.cos, c), v), (x,)),
    "nested_loops": (lambda v: lax.fori_loop(0, 3, lambda i, c: lax.fori_loop(0, 2, lambda j, d: d * 0.5 + i + j, c), v), (x,)),
}
for name, (fn, args) in programs.items():
  f = jax.jit(fn)
  got = jax.tree.leaves(f(*[jax.device_put(a, mps) for a in args]))
  got_again = jax.tree.leaves(f(*[jax.device_put(a, mps) for a in args]))  # the cached graph
  want = jax.tree.leaves(f(*[jax.device_put(a, cpu) for a in args]))
  for g, g2, e in zip(got, got_again, want):
    assert g.dtype == e.dtype and g.shape == e.shape, name
    np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5, err_msg=name)
    np.testing.assert_array_equal(np.asarray(g), np.asarray(g2), err_msg=name)
print("ok", len(programs))
"""


def test_compiled_programs_match_cpu():
  env = dict(os.environ, APPLEJAX_COMPILE="1")
  env.pop("JAX_PLATFORMS", None)
  proc = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True,
                        timeout=300, check=False)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.strip().endswith("ok 8")
