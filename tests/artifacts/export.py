"""Writes StableHLO portable artifacts for the reader's tests.

Usage: .venv/bin/python tests/artifacts/export.py OUTDIR [VERSION]

For each program NAME it writes:
  NAME.mlirbc       the portable artifact (VHLO bytecode at VERSION, default 1.17.0)
  NAME.mlir         jaxlib's own reading of the artifact, generic op form
                    ("stablehlo.add"(...) ...), which the C++ test counts ops in
  NAME.pretty.mlir  the same module in jaxlib's pretty form
and manifest.json listing them.
"""

import json
import os
import sys

import numpy as np

import jax
import jax.numpy as jnp
from jax._src.interpreters import mlir as jmlir
from jaxlib.mlir import ir
from jaxlib.mlir.dialects import stablehlo
from jax._src.lib import _jax

jax.config.update("jax_platforms", "cpu")

f32 = jnp.float32


def strip_sdy_rules(text):
  """Drops `sdy.sharding_rule = #sdy.op_sharding_rule<...>` attributes: the
  portable serializer runs without the Shardy dialect."""
  key = "sdy.sharding_rule = #sdy.op_sharding_rule<"
  while key in text:
    start = text.index(key)
    i = start + len(key)
    depth = 1
    while depth:
      c = text[i]
      if c == "<" or c in "([{":
        depth += 1
      elif (c == ">" and text[i - 1] != "-") or c in ")]}":
        depth -= 1
      i += 1
    # Remove the attribute and the ", " that joined it to its neighbour; a
    # dictionary it was alone in goes too. Other empty dictionaries
    # (`mhlo.backend_config = {}`) are values and stay.
    before, after = text[:start], text[i:]
    if before.endswith(", "):
      before = before[:-2]
    elif after.startswith(", "):
      after = after[2:]
    elif before.endswith(" {") and after.startswith("}"):
      before, after = before[:-2], after[1:]
    text = before + after
  return text


def jitted(f, *args):
  return strip_sdy_rules(jax.jit(f).lower(*args).as_text())


def programs():
  """(name, StableHLO text, note) for every test program."""
  x3 = jnp.zeros(3, f32)
  a = jnp.ones((4, 8), f32)
  b = jnp.ones((8, 5), f32)
  v = jnp.arange(10, dtype=f32)
  i = jnp.arange(12, dtype=jnp.int32).reshape(3, 4)
  key = jax.random.PRNGKey(0)

  yield "add_one", jitted(lambda x: x + 1.0, x3), "x + 1.0"
  yield "dot", jitted(lambda p, q: p @ q, a, b), "matmul of two inputs"
  yield "elementwise", jitted(
      lambda x, y: jnp.tanh(x) * jnp.exp(-y) + jnp.sqrt(jnp.abs(x)) - jnp.maximum(x, y) / 3.0,
      v, v), "mix of unary and binary ops"
  yield "reductions", jitted(
      lambda x: (jnp.sum(x, axis=0), jnp.max(x, axis=1), jnp.argmax(x, axis=1)),
      a), "sum, max, argmax"
  yield "fori_loop", jitted(
      lambda x: jax.lax.fori_loop(0, 10, lambda k, c: c * 1.5 + k, x), x3), "while"
  yield "while_loop", jitted(
      lambda x: jax.lax.while_loop(lambda c: c[0] < 100.0, lambda c: (c[0] * 2.0, c[1] + 1), (x[0], 0)),
      x3), "while with a tuple carry"
  yield "cond", jitted(
      lambda p, x: jax.lax.cond(p > 0, lambda y: y * 2.0, lambda y: y - 1.0, x),
      jnp.int32(1), x3), "if"
  yield "switch", jitted(
      lambda k, x: jax.lax.switch(k, [jnp.sin, jnp.cos, lambda y: -y], x),
      jnp.int32(1), x3), "case"
  yield "scan", jitted(
      lambda xs: jax.lax.scan(lambda c, x: (c + x, c * x), 0.0, xs), v), "scan"
  yield "sort", jitted(
      lambda x, y: (jnp.sort(x), jax.lax.sort((x, y), num_keys=1)), v, v), "sort"

  def mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = jax.nn.relu(x @ w1 + b1)
    out = h @ w2 + b2
    return jnp.mean((jax.nn.log_softmax(out) - y) ** 2)

  params = (jnp.ones((8, 16), f32), jnp.zeros(16, f32), jnp.ones((16, 4), f32), jnp.zeros(4, f32))
  yield "mlp_grad", jitted(jax.grad(mlp_loss), params, a, jnp.ones((4, 4), f32)), "grad of an MLP"
  yield "random_normal", jitted(lambda k: jax.random.normal(k, (2, 3)), key), "threefry + erf_inv"
  yield "integer_bool", jitted(
      lambda x, y: ((x << 2) ^ (y >> 1), x > y, jnp.logical_and(x > 0, y < 5), x % 3, x // 2,
                    jnp.where(x > y, x, y).astype(jnp.uint8)),
      i, i + 1), "integer and boolean ops"
  big = np.arange(4096, dtype=np.float32).reshape(64, 64)
  yield "big_constant", jitted(lambda x: x + big, jnp.zeros((64, 64), f32)), "a 16 KiB constant"
  mask = np.arange(100) % 3 == 0
  yield "bool_constant", jitted(lambda x: jnp.where(mask, x, 0.0), jnp.zeros(100, f32)), "i1 constant"
  yield "custom_call", jitted(lambda m: jnp.linalg.cholesky(m), jnp.eye(4, dtype=f32)), "lapack custom_call"
  yield "gather_scatter", jitted(
      lambda x, idx: x.at[idx].add(x[idx] * 2.0), v, jnp.array([1, 3, 5])), "gather and scatter"
  yield "conv", jitted(
      lambda x, w: jax.lax.conv(x, w, (1, 1), "SAME"),
      jnp.ones((1, 2, 8, 8), f32), jnp.ones((3, 2, 3, 3), f32)), "convolution"
  yield "reduce_window", jitted(
      lambda x: jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (2, 2), (2, 2), "VALID"),
      jnp.ones((8, 8), f32)), "max pool"
  yield "dtypes", jitted(
      lambda x: (x.astype(jnp.bfloat16) * 2, x.astype(jnp.float16) + 1, x.astype(jnp.int8),
                 x.astype(jnp.complex64) * 1j, x.astype(jnp.float8_e4m3fn)),
      v), "bf16, f16, i8, complex, f8"
  yield "nested_call", jitted(lambda x: jax.jit(jnp.sin)(x) + jax.jit(jnp.sin)(x * 2), x3), "func.call"

  # Hand-written modules for what JAX rarely emits.
  yield "tuple_token", """
module @tuples {
  func.func public @main(%arg0: tensor<2xf32>, %arg1: tensor<i32>) -> (tensor<2xf32>, !stablehlo.token) {
    %t = stablehlo.tuple %arg0, %arg1 : tuple<tensor<2xf32>, tensor<i32>>
    %n = stablehlo.tuple %t, %arg1 : tuple<tuple<tensor<2xf32>, tensor<i32>>, tensor<i32>>
    %e = stablehlo.get_tuple_element %n[0] : (tuple<tuple<tensor<2xf32>, tensor<i32>>, tensor<i32>>) -> tuple<tensor<2xf32>, tensor<i32>>
    %x = stablehlo.get_tuple_element %e[0] : (tuple<tensor<2xf32>, tensor<i32>>) -> tensor<2xf32>
    %tok = stablehlo.create_token : !stablehlo.token
    %tok2 = stablehlo.after_all %tok, %tok : !stablehlo.token
    return %x, %tok2 : tensor<2xf32>, !stablehlo.token
  }
}""", "tuples and tokens"
  yield "element_types", """
module @element_types {
  func.func public @main(%a: tensor<2xi4>, %b: tensor<2xui4>, %c: tensor<2xi2>, %d: tensor<2xui64>,
                         %e: tensor<2xf8E5M2>, %f: tensor<2xf8E4M3FNUZ>, %g: tensor<2xf8E5M2FNUZ>,
                         %h: tensor<2xf8E4M3B11FNUZ>, %i: tensor<2xf8E4M3>, %j: tensor<2xf8E3M4>,
                         %k: tensor<2xf4E2M1FN>, %l: tensor<2xf6E2M3FN>, %m: tensor<2xf6E3M2FN>,
                         %n: tensor<2xf8E8M0FNU>, %o: tensor<2xcomplex<f64>>, %p: tensor<?x3xf32>,
                         %q: tensor<2xf64>, %r: tensor<2xui16>, %s: tensor<2xi16>, %t: tensor<2xui32>)
      -> (tensor<2xi4>, tensor<?x3xf32>) {
    %c4 = stablehlo.constant dense<[1, -2]> : tensor<2xi4>
    %0 = stablehlo.add %a, %c4 : tensor<2xi4>
    %1 = stablehlo.abs %p : tensor<?x3xf32>
    %f8 = stablehlo.constant dense<[1.5, -2.0]> : tensor<2xf8E4M3FN>
    %h16 = stablehlo.constant dense<[0.5, 65504.0]> : tensor<2xf16>
    %u8 = stablehlo.constant dense<[0, 255]> : tensor<2xui8>
    return %0, %1 : tensor<2xi4>, tensor<?x3xf32>
  }
}""", "every element type as a parameter"
  yield "compare_enums", """
module @enums {
  func.func public @main(%a: tensor<4xf32>, %b: tensor<4xi32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
    %0 = stablehlo.compare GT, %a, %a, FLOAT : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    %1 = stablehlo.compare LE, %b, %b, SIGNED : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
    %2 = stablehlo.compare NE, %a, %a, TOTALORDER : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    return %0, %1, %2 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
  }
}""", "comparison enums"


def jaxlib_text(artifact, ctx, generic):
  """jaxlib's own reading of the artifact, printed."""
  module_bytes = stablehlo.deserialize_portable_artifact_str(artifact)
  module = ir.Module.parse(module_bytes, context=ctx)
  return module.operation.get_asm(print_generic_op_form=generic, enable_debug_info=False)


def main():
  if len(sys.argv) < 2:
    sys.exit(__doc__)
  out = sys.argv[1]
  version = sys.argv[2] if len(sys.argv) > 2 else "1.17.0"
  os.makedirs(out, exist_ok=True)
  ctx = jmlir.make_ir_context()
  manifest = {"stablehlo_version": version, "jax": jax.__version__, "artifacts": []}
  for name, text, note in programs():
    # The serializer JAX itself uses for plugins: it also legalizes CHLO.
    artifact = _jax.mlir.serialize_portable_artifact(text, version)
    with open(os.path.join(out, name + ".mlirbc"), "wb") as f:
      f.write(artifact)
    with open(os.path.join(out, name + ".mlir"), "w") as f:
      f.write(jaxlib_text(artifact, ctx, generic=True))
    with open(os.path.join(out, name + ".pretty.mlir"), "w") as f:
      f.write(jaxlib_text(artifact, ctx, generic=False))
    manifest["artifacts"].append({"name": name, "note": note, "bytes": len(artifact)})
  with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2)
  print(f"wrote {len(manifest['artifacts'])} artifacts to {out}")


if __name__ == "__main__":
  main()
