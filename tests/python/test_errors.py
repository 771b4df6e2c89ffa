"""What a user sees when the plugin cannot run something: a JAX error naming
the op, the user's source line and where to report it; the process keeps
running and the next jitted function works."""

import os
import subprocess
import sys

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
  func.func public @main(%a: tensor<2x4xf32>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
    %r = "stablehlo.batch_norm_inference"(%a, %s, %s, %s, %s) {epsilon = 1.0e-5 : f32, feature_index = 1 : i64}
        : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    return %r : tensor<2x4xf32>
  }
  """
  with pytest.raises(Exception) as info:
    run(text, "mps", np.zeros((2, 4), np.float32), np.ones(4, np.float32))
  message = str(info.value)
  assert "INVALID_ARGUMENT" in message and "cannot compile" in message
  assert "stablehlo.batch_norm_inference" in message and "no lowering for this op" in message and ADVICE in message
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


def test_result_larger_than_memory_is_refused_at_compile_time(check, mps):
  # 256 GiB: MLX's CPU allocator would write through a failed malloc.
  f = jax.jit(lambda x: jnp.sin(jnp.arange(1 << 30, dtype=jnp.float32)[:, None] * x))
  with pytest.raises(Exception) as info:
    f(jax.device_put(np.ones(64, np.float32), mps)).block_until_ready()
  message = str(info.value)
  assert "out of memory: its result needs 256.0 GiB" in message and "APPLEJAX_MEMORY_LIMIT_MB" in message
  works_afterwards(check)


def test_dimension_past_mlx_limit_is_refused(check, mps):
  f = jax.jit(lambda x: jnp.sum(jnp.arange(1 << 37, dtype=jnp.float32) * x))
  with pytest.raises(Exception, match="a result dimension of 137438953472 elements"):
    f(jax.device_put(np.float32(1), mps)).block_until_ready()
  works_afterwards(check)


def run_child(code, **env):
  full = dict(os.environ, **env)
  full.pop("JAX_PLATFORMS", None)
  return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                        timeout=120, check=False)


def test_memory_limit_from_the_environment():
  code = """
import jax, jax.numpy as jnp, numpy as np
mps = jax.devices("mps")[0]
try:
  jax.jit(lambda x: jnp.ones((64, 1 << 20), jnp.float32) * x)(jax.device_put(np.float32(2), mps)).block_until_ready()
except Exception as e:
  print("refused:", "needs 256.0 MiB, more than MLX may use (64.0 MiB)" in str(e))
print(jax.jit(lambda x: x * 2)(jax.device_put(np.arange(3.0), mps)))
"""
  r = run_child(code, APPLEJAX_MEMORY_LIMIT_MB="64", APPLEJAX_CACHE_LIMIT_MB="0")
  assert r.returncode == 0, r.stderr[-2000:]
  assert "refused: True" in r.stdout and "[0. 2. 4.]" in r.stdout


def test_bad_memory_limit_is_a_clear_error():
  r = run_child("import jax; jax.devices('mps')", APPLEJAX_MEMORY_LIMIT_MB="lots")
  assert "APPLEJAX_MEMORY_LIMIT_MB='lots' is not a whole number of megabytes" in r.stdout + r.stderr


def test_exception_inside_mlx_evaluation_on_the_worker_thread():
  """APPLEJAX_TEST_FAULTS=1 adds a custom_call whose MLX primitive throws when
  evaluated (native/lower/fault_injection.cc): the exception starts inside
  mlx::core::eval on the plugin's worker thread, after lowering succeeded.
  Also inside a loop body, and with a later jit on the same device."""
  code = """
import sys
sys.path.insert(0, %r)
import jax, jax.numpy as jnp, numpy as np
from raw_stablehlo import run
plain = '''
  func.func public @main(%%a: tensor<4xf32>) -> tensor<4xf32> {
    %%r = stablehlo.custom_call @applejax.test.raise_in_eval(%%a) : (tensor<4xf32>) -> tensor<4xf32>
    return %%r : tensor<4xf32>
  }'''
looped = '''
  func.func public @main(%%a: tensor<4xf32>) -> tensor<4xf32> {
    %%zero = stablehlo.constant dense<0> : tensor<i32>
    %%r:2 = stablehlo.while(%%i = %%zero, %%x = %%a) : tensor<i32>, tensor<4xf32>
    cond {
      %%three = stablehlo.constant dense<3> : tensor<i32>
      %%c = stablehlo.compare LT, %%i, %%three, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %%c : tensor<i1>
    } do {
      %%one = stablehlo.constant dense<1> : tensor<i32>
      %%j = stablehlo.add %%i, %%one : tensor<i32>
      %%y = stablehlo.custom_call @applejax.test.raise_in_eval(%%x) : (tensor<4xf32>) -> tensor<4xf32>
      stablehlo.return %%j, %%y : tensor<i32>, tensor<4xf32>
    }
    return %%r#1 : tensor<4xf32>
  }'''
for name, text in (("plain", plain), ("looped", looped)):
  for attempt in range(2):
    try:
      run(text, "mps", np.zeros(4, np.float32))
      print(name, "no error")
    except Exception as e:
      print(name, "error:", "injected fault: RaiseInEval evaluated" in str(e))
mps = jax.devices("mps")[0]
print("afterwards", jax.jit(lambda x: jnp.sin(x) * 2)(jax.device_put(np.zeros(3, np.float32), mps)))
""" % os.path.dirname(os.path.abspath(__file__))
  r = run_child(code, APPLEJAX_TEST_FAULTS="1")
  assert r.returncode == 0, r.stderr[-3000:]
  assert r.stdout.count("plain error: True") == 2, r.stdout + r.stderr[-2000:]
  assert r.stdout.count("looped error: True") == 2, r.stdout + r.stderr[-2000:]
  assert "afterwards [0. 0. 0.]" in r.stdout, r.stdout


def test_bad_custom_calls_name_the_target_and_the_problem(check):
  unknown = """
  func.func public @main(%a: tensor<4xf32>) -> tensor<4xf32> {
    %r = stablehlo.custom_call @no_such_kernel(%a) : (tensor<4xf32>) -> tensor<4xf32>
    return %r : tensor<4xf32>
  }"""
  integer_lu = """
  func.func public @main(%a: tensor<3x3xi32>) -> (tensor<3x3xi32>, tensor<3xi32>, tensor<3xi32>) {
    %r:3 = stablehlo.custom_call @applejax.lu(%a) : (tensor<3x3xi32>) -> (tensor<3x3xi32>, tensor<3xi32>, tensor<3xi32>)
    return %r#0, %r#1, %r#2 : tensor<3x3xi32>, tensor<3xi32>, tensor<3xi32>
  }"""
  one_result_lu = """
  func.func public @main(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
    %r = stablehlo.custom_call @applejax.lu(%a) : (tensor<3x3xf32>) -> tensor<3x3xf32>
    return %r : tensor<3x3xf32>
  }"""
  for text, arg, says in (
      (unknown, np.zeros(4, np.float32), "no handler for custom_call target 'no_such_kernel'"),
      (integer_lu, np.eye(3, dtype=np.int32), "linear algebra on int32 is not supported"),
      (one_result_lu, np.eye(3, dtype=np.float32), "lowering produced 3 results, the op declares 1"),
  ):
    with pytest.raises(Exception) as info:
      run(text, "mps", arg)
    assert "stablehlo.custom_call at -:3:" in str(info.value) and says in str(info.value)
    works_afterwards(check)
