"""The benchmark programs, shared by the corpus generator (scripts/bench_corpus.py)
and the JAX side of `deno task bench` (scripts/bench_jax.py), so that both
sides time the same functions on the same shapes.

Inputs are not random draws but a hash of (input number, element index) that
the TypeScript side computes identically (src/bench/inputs.ts), so both
backends see bit-identical arguments.
"""

import jax
import jax.numpy as jnp
import numpy as np

K = 1024


def uniform(lo=-1.0, hi=1.0):
  return {"kind": "uniform", "lo": lo, "hi": hi}


def index(n):
  return {"kind": "index", "n": n}


def arg(shape, dtype="float32", fill=None):
  return {"shape": list(shape), "dtype": dtype, "fill": fill or uniform()}


def _conv(x, w):
  return jax.lax.conv_general_dilated(
      x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))


def ops():
  """Yields one dict per benchmark program: name, family, op, size label,
  the jax function, its arguments (shape, dtype, fill), flops and tolerance."""
  for label, n in [("1k", K), ("64k", 64 * K), ("1m", K * K)]:
    yield dict(name=f"add_f32_{label}", family="elementwise", op="add", size=label,
               fn=lambda x, y: x + y, args=[arg([n]), arg([n])], flops=n)
    yield dict(name=f"tanh_exp_f32_{label}", family="elementwise", op="tanh(x)*exp(-x)",
               size=label, fn=lambda x: jnp.tanh(x) * jnp.exp(-x), args=[arg([n])],
               flops=3 * n)
  yield dict(name="add_bf16_64k", family="elementwise", op="add", size="64k bf16",
             fn=lambda x, y: x + y, args=[arg([64 * K], "bfloat16"), arg([64 * K], "bfloat16")],
             flops=64 * K, rtol=1e-2, atol=1e-2)
  for n in [64, 128, 256, 512]:
    yield dict(name=f"matmul_f32_{n}", family="matmul", op="matmul", size=f"{n}x{n}x{n}",
               fn=lambda a, b: a @ b, args=[arg([n, n]), arg([n, n])], flops=2 * n ** 3,
               rtol=1e-4, atol=1e-4)
  for label, n in [("1k", K), ("64k", 64 * K), ("1m", K * K)]:
    yield dict(name=f"sum_f32_{label}", family="reduction", op="sum", size=label,
               fn=lambda x: jnp.sum(x), args=[arg([n])], flops=n, rtol=1e-4, atol=1e-3)
  for rows in [256, 1024]:
    yield dict(name=f"rowmax_f32_{rows}", family="reduction", op="max(axis=1)",
               size=f"{rows}x{rows}", fn=lambda x: jnp.max(x, axis=1),
               args=[arg([rows, rows])], flops=rows * rows)
  for label, (b, hw, cin, cout) in [("small", (1, 32, 8, 16)), ("large", (8, 32, 32, 32))]:
    yield dict(name=f"conv3x3_f32_{label}", family="conv", op="conv 3x3 NHWC",
               size=f"{b}x{hw}x{hw}x{cin}->{cout}", fn=_conv,
               args=[arg([b, hw, hw, cin]), arg([3, 3, cin, cout])],
               flops=2 * b * hw * hw * cin * cout * 9, rtol=1e-4, atol=1e-4)
  for label, (rows, picks) in [("1k", (K, 256)), ("16k", (16 * K, 4 * K))]:
    yield dict(name=f"gather_rows_f32_{label}", family="gather", op="table[idx]",
               size=f"{rows}x64[{picks}]", fn=lambda t, i: t[i],
               args=[arg([rows, 64]), arg([picks], "int32", index(rows))], flops=picks * 64)


def fmix32(h):
  """MurmurHash3's 32-bit finalizer, vectorised over uint64 holding uint32 values."""
  m = np.uint64(0xFFFFFFFF)
  h = h & m
  h ^= h >> np.uint64(16)
  h = (h * np.uint64(0x85EBCA6B)) & m
  h ^= h >> np.uint64(13)
  h = (h * np.uint64(0xC2B2AE35)) & m
  h ^= h >> np.uint64(16)
  return h


def make_input(spec, number):
  """The argument `spec` describes, for input `number` (0-based) of its program."""
  count = int(np.prod(spec["shape"], dtype=np.int64))
  seed = np.uint64(((number + 1) * 0x9E3779B9) & 0xFFFFFFFF)
  h = fmix32(np.arange(count, dtype=np.uint64) + seed)
  fill = spec["fill"]
  if fill["kind"] == "uniform":
    u = h.astype(np.float64) / 2.0 ** 32
    values = fill["lo"] + (fill["hi"] - fill["lo"]) * u
    # Narrow floats round through float32, as the TypeScript side does.
    if spec["dtype"] in ("float16", "bfloat16"):
      values = values.astype(np.float32)
  elif fill["kind"] == "index":
    values = h % np.uint64(fill["n"])
  else:
    raise ValueError(f"unknown fill {fill}")
  return values.astype(jnp.dtype(spec["dtype"])).reshape(spec["shape"])
