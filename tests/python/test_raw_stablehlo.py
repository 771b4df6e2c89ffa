"""Ops and forms in the StableHLO spec that JAX does not emit today, written
as StableHLO text and run on mps and cpu through the backends' compile API."""

import numpy as np
import pytest

from raw_stablehlo import assert_same_on_both

TUPLES = """
func.func public @main(%a: tensor<3xf32>, %b: tensor<3xi32>) -> (tensor<3xf32>, tensor<3xi32>) {
  %t = stablehlo.tuple %a, %b : tuple<tensor<3xf32>, tensor<3xi32>>
  %x = stablehlo.get_tuple_element %t[0] : (tuple<tensor<3xf32>, tensor<3xi32>>) -> tensor<3xf32>
  %y = stablehlo.get_tuple_element %t[1] : (tuple<tensor<3xf32>, tensor<3xi32>>) -> tensor<3xi32>
  %z = stablehlo.add %x, %a : tensor<3xf32>
  return %z, %y : tensor<3xf32>, tensor<3xi32>
}
"""


def test_tuple_and_get_tuple_element():
  assert_same_on_both(TUPLES, np.arange(3, dtype=np.float32), np.array([4, 5, 6], np.int32))


VARIADIC_SCATTER = """
func.func public @main(%a: tensor<5xf32>, %b: tensor<5xi32>, %i: tensor<4x1xi32>, %u: tensor<4xf32>, %v: tensor<4xi32>)
    -> (tensor<5xf32>, tensor<5xi32>) {
  %r:2 = "stablehlo.scatter"(%a, %b, %i, %u, %v) ({
    ^bb0(%x: tensor<f32>, %y: tensor<i32>, %ux: tensor<f32>, %uy: tensor<i32>):
      %s = stablehlo.add %x, %ux : tensor<f32>
      %m = stablehlo.maximum %y, %uy : tensor<i32>
      stablehlo.return %s, %m : tensor<f32>, tensor<i32>
  }) {scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0],
      scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}
    : (tensor<5xf32>, tensor<5xi32>, tensor<4x1xi32>, tensor<4xf32>, tensor<4xi32>) -> (tensor<5xf32>, tensor<5xi32>)
  return %r#0, %r#1 : tensor<5xf32>, tensor<5xi32>
}
"""


def test_variadic_scatter():
  assert_same_on_both(VARIADIC_SCATTER, np.arange(5, dtype=np.float32), np.array([0, 9, 2, 3, 1], np.int32),
                      np.array([[1], [1], [4], [7]], np.int32), np.array([0.5, 1.5, 2.5, 3.5], np.float32),
                      np.array([5, 7, -1, 2], np.int32))


RNG_STATE3 = """
func.func public @main(%s: tensor<3xui64>) -> (tensor<3xui64>, tensor<{shape}x{dtype}>) {{
  %out_state, %bits = stablehlo.rng_bit_generator %s, algorithm = {alg} : (tensor<3xui64>) -> (tensor<3xui64>, tensor<{shape}x{dtype}>)
  return %out_state, %bits : tensor<3xui64>, tensor<{shape}x{dtype}>
}}
"""


@pytest.mark.parametrize("alg", ["PHILOX", "DEFAULT"])
@pytest.mark.parametrize("dtype", ["ui32", "ui64"])
def test_philox_three_word_state(alg, dtype):
  # A u64[3] state carries the whole 128-bit counter; its high word carries.
  state = np.array([42, 0xFFFFFFFFFFFFFFFE, 3], np.uint64)
  assert_same_on_both(RNG_STATE3.format(shape="7", dtype=dtype, alg=alg), state)


TOKENS = """
func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
  %t0 = stablehlo.create_token : !stablehlo.token
  %t1 = stablehlo.after_all %t0, %t0 : !stablehlo.token
  %b, %t2 = stablehlo.optimization_barrier %a, %t1 : tensor<3xf32>, !stablehlo.token
  %t3 = stablehlo.after_all %t2 : !stablehlo.token
  %d, %t4 = stablehlo.optimization_barrier %b, %t3 : tensor<3xf32>, !stablehlo.token
  %c = stablehlo.multiply %d, %d : tensor<3xf32>
  return %c : tensor<3xf32>
}
"""


def test_tokens_order_without_data():
  """create_token and after_all, which order side effects, compute nothing."""
  assert_same_on_both(TOKENS, np.array([1.5, -2.0, 3.0], np.float32))


RETURNS_TUPLE = """
func.func public @main(%a: tensor<3xf32>) -> tuple<tensor<3xf32>> {
  %t = stablehlo.tuple %a : tuple<tensor<3xf32>>
  return %t : tuple<tensor<3xf32>>
}
"""


def test_tuple_crossing_a_function_boundary_is_refused_clearly():
  from raw_stablehlo import run
  with pytest.raises(Exception, match="returns a tuple<tensor<3xf32>>; only tensor results"):
    run(RETURNS_TUPLE, "mps", np.zeros(3, np.float32))
  # The plugin keeps working.
  assert_same_on_both(TUPLES, np.arange(3, dtype=np.float32), np.array([1, 2, 3], np.int32))
