"""What a user sees when the plugin cannot run something: a JAX error naming
the op, the user's source line and where to report it; the process keeps
running and the next jitted function works."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from raw_stablehlo import run

ADVICE = "report it at https://github.com/applejax/applejax/issues"


def works_afterwards(check):
  check(lambda x: jnp.sin(x) * 2 + 1, np.arange(4, dtype=np.float32))


def test_unknown_op_fails_at_compile_time(check):
  text = """
  func.func public @main(%a: tensor<4xf32>) -> tensor<4xf32> {
    %r = "stablehlo.all_reduce"(%a) ({
      ^bb0(%x: tensor<f32>, %y: tensor<f32>):
        %s = stablehlo.add %x, %y : tensor<f32>
        stablehlo.return %s : tensor<f32>
    }) {replica_groups = dense<0> : tensor<1x1xi64>} : (tensor<4xf32>) -> tensor<4xf32>
    return %r : tensor<4xf32>
  }
  """
  with pytest.raises(Exception) as info:
    run(text, "mps", np.zeros(4, np.float32))
  message = str(info.value)
  assert "INVALID_ARGUMENT" in message and "cannot compile" in message
  assert "stablehlo.all_reduce" in message and "no lowering for this op" in message and ADVICE in message
  works_afterwards(check)


def test_unsupported_variant_fails_at_first_run_with_the_source_line(check, mps):
  # cumlogsumexp over 2000 elements is a reduce_window with a general body
  # and a 2000-element window: past the fold's cap.
  f = jax.jit(lambda v: lax.cumlogsumexp(v))
  x = jax.device_put(np.zeros(2000, np.float32), mps)
  with pytest.raises(Exception) as info:
    np.asarray(f(x))
  message = str(info.value)
  assert "stablehlo.reduce_window" in message
  assert "test_errors.py:" in message  # the user's line
  assert "2000 window elements" in message and ADVICE in message
  works_afterwards(check)


def test_wrong_argument_types_are_refused(mps):
  text = """
  func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
    return %a : tensor<3xf32>
  }
  """
  with pytest.raises(Exception, match="argument 0 of main is tensor<3xi32>, the program takes tensor<3xf32>"):
    run(text, "mps", np.zeros(3, np.int32))


def test_malformed_program_is_refused(check):
  # A program whose types do not fit: caught by JAX's own parser or by ours,
  # never a crash.
  with pytest.raises(Exception):
    run("func.func public @main(%a: tensor<3xf32>) -> tensor<4xf32> { return %a : tensor<3xf32> }",
        "mps", np.zeros(3, np.float32))
  works_afterwards(check)


def test_errors_in_a_loop_body_name_the_op(check, mps):
  f = jax.jit(lambda v: lax.fori_loop(0, 2, lambda i, c: lax.cumlogsumexp(c), v))
  with pytest.raises(Exception, match="stablehlo.reduce_window"):
    np.asarray(f(jax.device_put(np.zeros(1500, np.float32), mps)))
  works_afterwards(check)
