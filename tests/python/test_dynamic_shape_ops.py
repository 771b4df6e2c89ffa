"""The shape ops of dynamic-shape StableHLO (get_dimension_size, dynamic_broadcast_in_dim,
dynamic_reshape, dynamic_iota, dynamic_pad, dynamic_gather, real_dynamic_slice, dynamic_conv).

By the time a program reaches a compile its shapes are known, so the plugin's
fold_dynamic_shapes pass makes each op static. Every case runs on mps and is compared
with cpu: the same program where XLA's cpu compiles it, else the static program it must
equal (XLA cannot translate a dynamic_iota with a '?' result nor any dynamic_conv). A
shape that depends on run-time values is refused with an error naming the op.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import export

from conftest import assert_same
from raw_stablehlo import run

A = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
B = np.arange(12, dtype=np.float32).reshape(4, 3) * 0.5 + 1


def same(got, want):
  assert len(got) == len(want)
  for g, w in zip(got, want):
    assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
    np.testing.assert_array_equal(g, w)


# The shape comes from get_dimension_size through reshape and concatenate, as JAX's
# shape-polymorphic lowering builds it; the broadcast's result type has a '?'.
BROADCAST = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %d0 = stablehlo.get_dimension_size %b, dim = 0 : (tensor<4x3xf32>) -> tensor<i32>
  %d0r = stablehlo.reshape %d0 : (tensor<i32>) -> tensor<1xi32>
  %three = stablehlo.constant dense<3> : tensor<1xi32>
  %shape = stablehlo.concatenate %d0r, %three, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %row = stablehlo.slice %a [1:2, 0:3] : (tensor<2x3xf32>) -> tensor<1x3xf32>
  %bc = stablehlo.dynamic_broadcast_in_dim %row, %shape, dims = [0, 1] : (tensor<1x3xf32>, tensor<2xi32>) -> tensor<?x3xf32>
  %sum = stablehlo.add %bc, %b : (tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return %sum : tensor<4x3xf32>
}
"""

GET_DIMENSION_SIZE = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> (tensor<i32>, tensor<i32>, tensor<4x3xf32>) {
  %x0 = stablehlo.get_dimension_size %a, dim = 0 : (tensor<2x3xf32>) -> tensor<i32>
  %x1 = stablehlo.get_dimension_size %b, dim = 1 : (tensor<4x3xf32>) -> tensor<i32>
  %n = stablehlo.multiply %x0, %x1 : tensor<i32>
  %f = stablehlo.convert %n : (tensor<i32>) -> tensor<f32>
  %fb = stablehlo.broadcast_in_dim %f, dims = [] : (tensor<f32>) -> tensor<4x3xf32>
  %scaled = stablehlo.multiply %b, %fb : tensor<4x3xf32>
  return %n, %x0, %scaled : tensor<i32>, tensor<i32>, tensor<4x3xf32>
}
"""

RESHAPE = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> (tensor<3x2xf32>, tensor<6x2xf32>) {
  %s = stablehlo.constant dense<[3, 2]> : tensor<2xi64>
  %r = stablehlo.dynamic_reshape %a, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  %d0 = stablehlo.get_dimension_size %b, dim = 0 : (tensor<4x3xf32>) -> tensor<i32>
  %d1 = stablehlo.get_dimension_size %b, dim = 1 : (tensor<4x3xf32>) -> tensor<i32>
  %two = stablehlo.constant dense<2> : tensor<i32>
  %n = stablehlo.multiply %d0, %d1 : tensor<i32>
  %half = stablehlo.divide %n, %two : tensor<i32>
  %hr = stablehlo.reshape %half : (tensor<i32>) -> tensor<1xi32>
  %tr = stablehlo.reshape %two : (tensor<i32>) -> tensor<1xi32>
  %s2 = stablehlo.concatenate %hr, %tr, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %r2 = stablehlo.dynamic_reshape %b, %s2 : (tensor<4x3xf32>, tensor<2xi32>) -> tensor<6x2xf32>
  return %r, %r2 : tensor<3x2xf32>, tensor<6x2xf32>
}
"""

IOTA = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> (tensor<2x3xi32>, tensor<6xf32>) {
  %x0 = stablehlo.get_dimension_size %a, dim = 0 : (tensor<2x3xf32>) -> tensor<i32>
  %x1 = stablehlo.get_dimension_size %a, dim = 1 : (tensor<2x3xf32>) -> tensor<i32>
  %r0 = stablehlo.reshape %x0 : (tensor<i32>) -> tensor<1xi32>
  %r1 = stablehlo.reshape %x1 : (tensor<i32>) -> tensor<1xi32>
  %s = stablehlo.concatenate %r0, %r1, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %io = stablehlo.dynamic_iota %s, dim = 1 : (tensor<2xi32>) -> tensor<2x3xi32>
  %six = stablehlo.constant dense<6> : tensor<1xi64>
  %f = stablehlo.dynamic_iota %six, dim = 0 : (tensor<1xi64>) -> tensor<6xf32>
  return %io, %f : tensor<2x3xi32>, tensor<6xf32>
}
"""

PAD = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<5x8xf32> {
  %v = stablehlo.constant dense<-1.5> : tensor<f32>
  %lo = stablehlo.constant dense<[1, 0]> : tensor<2xi64>
  %hi = stablehlo.constant dense<[2, -1]> : tensor<2xi64>
  %in = stablehlo.constant dense<[0, 3]> : tensor<2xi64>
  %p = stablehlo.dynamic_pad %a, %v, %lo, %hi, %in : (tensor<2x3xf32>, tensor<f32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<5x8xf32>
  return %p : tensor<5x8xf32>
}
"""

REAL_DYNAMIC_SLICE = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x2xf32> {
  %s = stablehlo.constant dense<[1, 0]> : tensor<2xi32>
  %l = stablehlo.constant dense<[3, 3]> : tensor<2xi32>
  %t = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %r = stablehlo.real_dynamic_slice %b, %s, %l, %t : (tensor<4x3xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}
"""

GATHER = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x2x3xf32> {
  %i = stablehlo.constant dense<[[3], [1]]> : tensor<2x1xi32>
  %s = stablehlo.constant dense<[2, 3]> : tensor<2xi32>
  %g = "stablehlo.dynamic_gather"(%b, %i, %s) {dimension_numbers = #stablehlo.gather<offset_dims = [1, 2], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false} : (tensor<4x3xf32>, tensor<2x1xi32>, tensor<2xi32>) -> tensor<2x2x3xf32>
  return %g : tensor<2x2x3xf32>
}
"""

CASES = {
    "broadcast_in_dim": BROADCAST,
    "get_dimension_size": GET_DIMENSION_SIZE,
    "reshape": RESHAPE,
    "iota": IOTA,
    "pad": PAD,
    "real_dynamic_slice": REAL_DYNAMIC_SLICE,
    "gather": GATHER,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dynamic_op_with_known_shape(name):
  same(run(CASES[name], "mps", A, B), run(CASES[name], "cpu", A, B))


# XLA's cpu translates neither of these, so each is compared with its static twin there.
IOTA_UNKNOWN_RESULT = """
func.func public @main(%a: tensor<2x3xf32>) -> tensor<6xi32> {
  %x0 = stablehlo.get_dimension_size %a, dim = 0 : (tensor<2x3xf32>) -> tensor<i32>
  %x1 = stablehlo.get_dimension_size %a, dim = 1 : (tensor<2x3xf32>) -> tensor<i32>
  %n = stablehlo.multiply %x0, %x1 : tensor<i32>
  %nr = stablehlo.reshape %n : (tensor<i32>) -> tensor<1xi32>
  %io = stablehlo.dynamic_iota %nr, dim = 0 : (tensor<1xi32>) -> tensor<?xi32>
  %io2 = stablehlo.add %io, %io : (tensor<?xi32>, tensor<?xi32>) -> tensor<6xi32>
  return %io2 : tensor<6xi32>
}
"""
IOTA_STATIC = """
func.func public @main(%a: tensor<2x3xf32>) -> tensor<6xi32> {
  %io = stablehlo.iota dim = 0 : tensor<6xi32>
  %io2 = stablehlo.add %io, %io : tensor<6xi32>
  return %io2 : tensor<6xi32>
}
"""

CONV_ATTRS = ("dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, "
              "window_strides = array<i64: 1, 2>, feature_group_count = 1 : i64, batch_group_count = 1 : i64")
CONV = """
func.func public @main(%b: tensor<4x3xf32>, %a: tensor<2x3xf32>) -> tensor<1x5x2x1xf32> {
  %x = stablehlo.reshape %b : (tensor<4x3xf32>) -> tensor<1x4x3x1xf32>
  %k = stablehlo.reshape %a : (tensor<2x3xf32>) -> tensor<2x3x1x1xf32>
  %p = stablehlo.constant dense<[[1, 1], [2, 1]]> : tensor<2x2xi64>
  %c = "stablehlo.dynamic_conv"(%x, %k, %p) {ATTRS} : (tensor<1x4x3x1xf32>, tensor<2x3x1x1xf32>, tensor<2x2xi64>) -> tensor<1x5x2x1xf32>
  return %c : tensor<1x5x2x1xf32>
}
""".replace("ATTRS", CONV_ATTRS)
CONV_STATIC = """
func.func public @main(%b: tensor<4x3xf32>, %a: tensor<2x3xf32>) -> tensor<1x5x2x1xf32> {
  %x = stablehlo.reshape %b : (tensor<4x3xf32>) -> tensor<1x4x3x1xf32>
  %k = stablehlo.reshape %a : (tensor<2x3xf32>) -> tensor<2x3x1x1xf32>
  %c = "stablehlo.convolution"(%x, %k) {ATTRS, padding = dense<[[1, 1], [2, 1]]> : tensor<2x2xi64>} : (tensor<1x4x3x1xf32>, tensor<2x3x1x1xf32>) -> tensor<1x5x2x1xf32>
  return %c : tensor<1x5x2x1xf32>
}
""".replace("ATTRS", CONV_ATTRS)


@pytest.mark.parametrize("dynamic, static, args", [
    (IOTA_UNKNOWN_RESULT, IOTA_STATIC, (A,)),
    (CONV, CONV_STATIC, (B, A)),
], ids=["iota_unknown_result", "conv"])
def test_dynamic_op_equals_its_static_twin(dynamic, static, args):
  got, want = run(dynamic, "mps", *args), run(static, "cpu", *args)
  assert len(got) == len(want)
  for g, w in zip(got, want):
    assert g.shape == w.shape and g.dtype == w.dtype
    np.testing.assert_allclose(g, w, rtol=1e-6)


SHAPE_FROM_ARGUMENT = """
func.func public @main(%a: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<3x2xf32> {
  %r = stablehlo.dynamic_reshape %a, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
"""
# The slice's size depends on a value.
LIMIT_FROM_ARGUMENT = """
func.func public @main(%a: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<?x3xf32> {
  %z = stablehlo.constant dense<0> : tensor<2xi64>
  %o = stablehlo.constant dense<1> : tensor<2xi64>
  %r = stablehlo.real_dynamic_slice %a, %z, %s, %o : (tensor<2x3xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
"""


@pytest.mark.parametrize("text, op, line", [
    (SHAPE_FROM_ARGUMENT, "stablehlo.dynamic_reshape", 3),
    (LIMIT_FROM_ARGUMENT, "stablehlo.real_dynamic_slice", 5),
], ids=["reshape", "real_dynamic_slice"])
def test_shape_from_a_runtime_value_is_refused(text, op, line):
  with pytest.raises(Exception) as info:
    run(text, "mps", A, np.array([3, 2], np.int64))
  message = str(info.value)
  assert op in message, message
  assert "the shape depends on runtime values" in message, message
  assert "static shapes only" in message, message
  # The op's line in the program text, so the user can find it.
  assert f"-:{line}:" in message, message


# --- shape-polymorphic jax.export, called with concrete shapes ----------------------------


@pytest.fixture(params=["in_memory", "serialized"])
def round_trip(request):
  """The Exported as export returns it, or after serialize/deserialize (which needs
  the flatbuffers package, not a dependency of jax; the jax-range venvs lack it)."""
  if request.param == "in_memory":
    return lambda exp, vjp_order=0: exp
  pytest.importorskip("flatbuffers")
  return lambda exp, vjp_order=0: export.deserialize(exp.serialize(vjp_order=vjp_order))


def poly_fn(x):
  # reshape(-1, 2), arange of a symbolic size and a broadcast to the symbolic shape.
  y = x.reshape(-1, 2).sum(axis=0)
  return jnp.broadcast_to(y, (x.shape[0] // 2, 2)) + jnp.arange(x.shape[0] // 2)[:, None]


@pytest.mark.parametrize("spec, shape", [("2*b, 3", (4, 3)), ("2*b, 3", (6, 3)),
                                          ("2*b, c", (2, 5))])
def test_symbolic_export_called_with_concrete_shapes(spec, shape, mps, cpu, round_trip):
  sym = export.symbolic_shape(spec)
  exp = export.export(jax.jit(poly_fn), platforms=["mps", "cpu"])(
      jax.ShapeDtypeStruct(sym, np.float32))
  exp = round_trip(exp)
  x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
  got = exp.call(jax.device_put(x, mps))
  want = exp.call(jax.device_put(x, cpu))
  assert got.devices() == {mps}
  assert_same(got, want)
  assert_same(got, jax.jit(poly_fn)(jax.device_put(x, cpu)))


def test_symbolic_export_grad(mps, cpu, round_trip):
  sym = export.symbolic_shape("b, 4")
  exp = export.export(jax.jit(lambda x: jnp.sum(jnp.tanh(x) * jnp.arange(x.shape[0])[:, None])),
                      platforms=["mps", "cpu"])(jax.ShapeDtypeStruct(sym, np.float32))
  exp = round_trip(exp, vjp_order=1)
  x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
  got = jax.jit(jax.grad(exp.call))(jax.device_put(x, mps))
  want = jax.jit(jax.grad(exp.call))(jax.device_put(x, cpu))
  assert got.devices() == {mps}
  assert_same(got, want)
