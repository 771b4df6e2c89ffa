"""Corpus programs built from larger pieces: convolutions, pooling, dots,
FFTs, random numbers, linear algebra, control flow, transformations and small
models up to a ResNet-18 training step."""

import functools

import numpy as np

import jax
import jax.numpy as jnp
from jax import lax

from program import Program, dname, prog, spec
import programs_nn


def convolutions():
  dn = ("NCHW", "OIHW", "NCHW")
  cases = {
      "basic": dict(window_strides=(1, 1), padding="VALID"),
      "same": dict(window_strides=(1, 1), padding="SAME"),
      "strided": dict(window_strides=(2, 2), padding="SAME"),
      "explicit_pad": dict(window_strides=(1, 2), padding=((1, 2), (0, 1))),
      "rhs_dilation": dict(window_strides=(1, 1), padding="VALID", rhs_dilation=(2, 2)),
      "lhs_dilation": dict(window_strides=(1, 1), padding=((2, 2), (2, 2)), lhs_dilation=(2, 2)),
  }
  for name, kw in cases.items():
    for dt in [jnp.float32, jnp.bfloat16]:
      yield prog(f"conv_{name}_{dname(dt)}",
                 lambda x, w, kw=kw: lax.conv_general_dilated(x, w, dimension_numbers=dn, **kw),
                 spec((2, 4, 9, 9), dt), spec((6, 4, 3, 3), dt))
  yield prog("conv_groups", lambda x, w: lax.conv_general_dilated(
      x, w, (1, 1), "SAME", dimension_numbers=dn, feature_group_count=2),
             spec((1, 4, 6, 6)), spec((6, 2, 3, 3)))
  yield prog("conv_depthwise_nhwc", lambda x, w: lax.conv_general_dilated(
      x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"), feature_group_count=3),
             spec((1, 6, 6, 3)), spec((3, 3, 1, 3)))
  yield prog("conv_batch_groups", lambda x, w: lax.conv_general_dilated(
      x, w, (1, 1), "VALID", dimension_numbers=dn, batch_group_count=2),
             spec((4, 2, 5, 5)), spec((4, 2, 2, 2)))
  yield prog("conv_1d", lambda x, w: lax.conv_general_dilated(
      x, w, (2,), "SAME", dimension_numbers=("NWC", "WIO", "NWC")), spec((2, 11, 3)),
             spec((3, 3, 5)))
  yield prog("conv_3d", lambda x, w: lax.conv_general_dilated(
      x, w, (1, 1, 1), "SAME", dimension_numbers=("NCDHW", "OIDHW", "NCDHW")),
             spec((1, 2, 4, 4, 4)), spec((2, 2, 3, 3, 3)))
  yield prog("conv_transpose", lambda x, w: lax.conv_transpose(
      x, w, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")), spec((1, 4, 4, 3)),
             spec((3, 3, 3, 2)))
  yield prog("conv_precision_highest", lambda x, w: lax.conv_general_dilated(
      x, w, (1, 1), "SAME", dimension_numbers=dn, precision=lax.Precision.HIGHEST),
             spec((1, 2, 5, 5)), spec((2, 2, 3, 3)))
  yield prog("conv_preferred_f32", lambda x, w: lax.conv_general_dilated(
      x, w, (1, 1), "SAME", dimension_numbers=dn, preferred_element_type=jnp.float32),
             spec((1, 2, 5, 5), jnp.bfloat16), spec((2, 2, 3, 3), jnp.bfloat16))
  yield prog("conv_grad", jax.grad(lambda x, w: jnp.sum(lax.conv_general_dilated(
      x, w, (2, 2), "SAME", dimension_numbers=dn) ** 2), argnums=(0, 1)),
             spec((2, 3, 8, 8)), spec((4, 3, 3, 3)))


def pooling():
  def pool(op, init, window, strides, padding, dilation=None):
    return lambda x: lax.reduce_window(x, init, op, window, strides, padding,
                                       window_dilation=dilation)
  yield prog("maxpool_valid", pool(lax.max, -jnp.inf, (1, 1, 2, 2), (1, 1, 2, 2), "VALID"),
             spec((1, 2, 8, 8)))
  yield prog("maxpool_same", pool(lax.max, -jnp.inf, (1, 3, 3, 1), (1, 2, 2, 1), "SAME"),
             spec((2, 7, 7, 3)))
  yield prog("sumpool_padded", pool(lax.add, 0.0, (3, 3), (1, 1), ((1, 1), (2, 0))),
             spec((6, 6)))
  yield prog("minpool_dilated", pool(lax.min, jnp.inf, (2, 2), (1, 1), "VALID", (2, 2)),
             spec((7, 7)))
  yield prog("maxpool_i32", pool(lax.max, jnp.iinfo(jnp.int32).min, (2,), (2,), "VALID"),
             spec((10,), jnp.int32))
  yield prog("maxpool_bf16", pool(lax.max, -jnp.inf, (2, 2), (2, 2), "VALID"),
             spec((6, 6), jnp.bfloat16))
  yield prog("avgpool", lambda x: lax.reduce_window(x, 0.0, lax.add, (1, 2, 2, 1), (1, 2, 2, 1),
                                                    "VALID") / 4.0, spec((1, 6, 6, 2)))
  yield prog("reduce_window_base_dilation", lambda x: lax.reduce_window(
      x, 0.0, lax.add, (2,), (1,), "VALID", base_dilation=(2,)), spec((5,)))
  yield prog("reduce_window_multi", lambda x, y: lax.reduce_window(
      (x, y), (-jnp.inf, 0), lambda a, b: (lax.max(a[0], b[0]), a[1] + b[1]), (2,), (1,),
      "VALID"), spec((6,)), spec((6,), jnp.int32))
  yield prog("maxpool_grad", jax.grad(lambda x: jnp.sum(lax.reduce_window(
      x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") ** 2)), spec((1, 6, 6, 2)))
  yield prog("maxpool_grad_padded", jax.grad(lambda x: jnp.sum(lax.reduce_window(
      x, -jnp.inf, lax.max, (3, 3), (2, 2), "SAME"))), spec((7, 7)))
  yield prog("avgpool_grad", jax.grad(lambda x: jnp.sum(lax.reduce_window(
      x, 0.0, lax.add, (2, 2), (1, 1), "SAME"))), spec((5, 5)))


def dots():
  for dt in [jnp.float32, jnp.bfloat16, jnp.float16, jnp.int32]:
    yield prog(f"matmul_{dname(dt)}", jnp.matmul, spec((3, 4), dt), spec((4, 5), dt))
  yield prog("matvec", jnp.dot, spec((3, 4)), spec((4,)))
  yield prog("vecdot", jnp.dot, spec((4,)), spec((4,)))
  yield prog("outer", jnp.outer, spec((3,)), spec((4,)))
  yield prog("batched_matmul", jnp.matmul, spec((2, 3, 4)), spec((2, 4, 5)))
  yield prog("dot_general_batch", lambda a, b: lax.dot_general(
      a, b, (((2,), (1,)), ((0,), (0,)))), spec((2, 3, 4)), spec((2, 4, 5)))
  yield prog("dot_general_two_batch", lambda a, b: lax.dot_general(
      a, b, (((3,), (2,)), ((0, 1), (1, 0)))), spec((2, 3, 4, 5)), spec((3, 2, 5, 6)))
  yield prog("dot_general_multi_contract", lambda a, b: lax.dot_general(
      a, b, (((1, 2), (0, 1)), ((), ()))), spec((3, 4, 5)), spec((4, 5, 2)))
  yield prog("dot_precision_highest", lambda a, b: jnp.matmul(a, b, precision="highest"),
             spec((3, 4)), spec((4, 2)))
  yield prog("dot_precision_mixed", lambda a, b: lax.dot(
      a, b, precision=(lax.Precision.HIGH, lax.Precision.DEFAULT)), spec((3, 4)), spec((4, 2)))
  yield prog("dot_preferred_f32", lambda a, b: lax.dot(a, b, preferred_element_type=jnp.float32),
             spec((3, 4), jnp.bfloat16), spec((4, 2), jnp.bfloat16))
  yield prog("dot_i8_to_i32", lambda a, b: lax.dot(a, b, preferred_element_type=jnp.int32),
             spec((3, 4), jnp.int8), spec((4, 2), jnp.int8))
  yield prog("dot_c64", jnp.matmul, spec((2, 3), jnp.complex64), spec((3, 2), jnp.complex64))
  yield prog("dot_algorithm_bf16", lambda a, b: lax.dot(
      a, b, precision=lax.DotAlgorithmPreset.BF16_BF16_F32), spec((3, 4)), spec((4, 2)))
  yield prog("dot_algorithm_f32", lambda a, b: lax.dot(
      a, b, precision=lax.DotAlgorithmPreset.F32_F32_F32), spec((3, 4)), spec((4, 2)))
  einsums = {"ij,jk->ik": [(3, 4), (4, 5)], "bij,bjk->bik": [(2, 3, 4), (2, 4, 5)],
             "ii->i": [(4, 4)], "ij->": [(3, 4)], "i,i->": [(5,), (5,)],
             "bhqd,bhkd->bhqk": [(1, 2, 3, 4), (1, 2, 5, 4)], "ijk,kj->i": [(2, 3, 4), (4, 3)],
             "abc,cd,de->abe": [(2, 3, 4), (4, 5), (5, 2)]}
  for i, (eq, shapes) in enumerate(einsums.items()):
    yield prog(f"einsum_{i}", functools.partial(jnp.einsum, eq), *[spec(s) for s in shapes],
               note=eq)
  yield prog("tensordot", lambda a, b: jnp.tensordot(a, b, axes=([1, 2], [0, 1])),
             spec((2, 3, 4)), spec((3, 4, 5)))


def ffts():
  yield prog("fft", jnp.fft.fft, spec((8,), jnp.complex64))
  yield prog("ifft", jnp.fft.ifft, spec((4, 8), jnp.complex64))
  yield prog("rfft", jnp.fft.rfft, spec((16,)))
  yield prog("irfft", lambda x: jnp.fft.irfft(x, n=14), spec((8,), jnp.complex64))
  yield prog("fft2", jnp.fft.fft2, spec((4, 4), jnp.complex64))
  yield prog("rfftn", jnp.fft.rfftn, spec((2, 4, 6)))
  yield prog("irfft2", jnp.fft.irfft2, spec((4, 3), jnp.complex64))
  yield prog("fft_c128", jnp.fft.fft, spec((8,), jnp.complex128), x64=True)
  yield prog("fftshift_real", lambda x: jnp.fft.fftshift(jnp.abs(jnp.fft.fft(x))), spec((8,)))


def randomness():
  key = spec((2,), jnp.uint32)
  for alg in (lax.RandomAlgorithm.RNG_DEFAULT, lax.RandomAlgorithm.RNG_THREE_FRY,
              lax.RandomAlgorithm.RNG_PHILOX):
    yield prog(f"rng_bit_generator_{alg.name.lower()}", lambda k, alg=alg: lax.rng_bit_generator(
        k, (3, 4), dtype=jnp.uint32, algorithm=alg), spec((4,), jnp.uint32))
  yield prog("rng_bit_generator_u8", lambda k: lax.rng_bit_generator(k, (5,), dtype=jnp.uint8),
             spec((4,), jnp.uint32))
  yield prog("rng_bit_generator_u64", lambda k: lax.rng_bit_generator(k, (2,), dtype=jnp.uint64),
             spec((2,), jnp.uint64), x64=True)
  dists = {
      "uniform": lambda k: jax.random.uniform(k, (3, 4)),
      "uniform_bf16": lambda k: jax.random.uniform(k, (4,), jnp.bfloat16, -1.0, 2.0),
      "normal": lambda k: jax.random.normal(k, (5,)),
      "bernoulli": lambda k: jax.random.bernoulli(k, 0.3, (6,)),
      "categorical": lambda k: jax.random.categorical(k, jnp.arange(5.0), shape=(3,)),
      "randint": lambda k: jax.random.randint(k, (4,), 0, 10),
      "permutation": lambda k: jax.random.permutation(k, 8),
      "choice": lambda k: jax.random.choice(k, 10, (3,), replace=False),
      "gamma": lambda k: jax.random.gamma(k, 2.0, (3,)),
      "beta": lambda k: jax.random.beta(k, 2.0, 3.0, (2,)),
      "dirichlet": lambda k: jax.random.dirichlet(k, jnp.ones(3)),
      "poisson": lambda k: jax.random.poisson(k, 3.0, (4,)),
      "truncated_normal": lambda k: jax.random.truncated_normal(k, -1.0, 1.0, (4,)),
      "exponential": lambda k: jax.random.exponential(k, (3,)),
      "laplace": lambda k: jax.random.laplace(k, (3,)),
      "gumbel": lambda k: jax.random.gumbel(k, (3,)),
      "cauchy": lambda k: jax.random.cauchy(k, (3,)),
      "split_fold_in": lambda k: jax.random.split(jax.random.fold_in(k, 7), 3),
      "bits": lambda k: jax.random.bits(k, (4,), jnp.uint8),
      "orthogonal": lambda k: jax.random.orthogonal(k, 3),
      "multivariate_normal": lambda k: jax.random.multivariate_normal(
          k, jnp.zeros(2), jnp.eye(2)),
  }
  for name, fn in dists.items():
    yield prog(f"random_{name}", fn, key)
  for impl in ("rbg", "unsafe_rbg"):
    yield prog(f"random_{impl}_normal", lambda s, impl=impl: jax.random.normal(
        jax.random.key(s, impl=impl), (4,)), spec((), jnp.uint32))


def linalg():
  sq = spec((4, 4))
  ops = {
      "cholesky": jnp.linalg.cholesky, "qr": jnp.linalg.qr, "svd": jnp.linalg.svd,
      "svd_values": lambda m: jnp.linalg.svd(m, compute_uv=False), "eigh": jnp.linalg.eigh,
      "eig": jnp.linalg.eig, "lu": jax.scipy.linalg.lu, "inv": jnp.linalg.inv,
      "det": jnp.linalg.det, "slogdet": jnp.linalg.slogdet, "pinv": jnp.linalg.pinv,
      "matrix_power": lambda m: jnp.linalg.matrix_power(m, 3), "expm": jax.scipy.linalg.expm,
      "schur": jax.scipy.linalg.schur, "hessenberg": jax.scipy.linalg.hessenberg,
      "norm2": lambda m: jnp.linalg.norm(m, 2),
  }
  for name, fn in ops.items():
    yield prog(f"linalg_{name}", fn, sq)
  yield prog("linalg_solve", jnp.linalg.solve, sq, spec((4, 2)))
  yield prog("linalg_lstsq", lambda a, b: jnp.linalg.lstsq(a, b)[0], spec((5, 3)), spec((5,)))
  yield prog("linalg_triangular_solve", lambda a, b: lax.linalg.triangular_solve(
      a, b, left_side=True, lower=True, transpose_a=True), sq, spec((4, 3)))
  yield prog("linalg_triangular_solve_right", lambda a, b: lax.linalg.triangular_solve(
      a, b, left_side=False, lower=False, unit_diagonal=True, conjugate_a=False), sq, spec((2, 4)))
  yield prog("linalg_cholesky_batched", jnp.linalg.cholesky, spec((3, 4, 4)))
  yield prog("linalg_qr_c64", jnp.linalg.qr, spec((3, 3), jnp.complex64))
  yield prog("linalg_eigh_f64", jnp.linalg.eigh, spec((3, 3), jnp.float64), x64=True)
  yield prog("linalg_cho_solve", lambda a, b: jax.scipy.linalg.cho_solve(
      (jnp.linalg.cholesky(a), True), b), sq, spec((4,)))
  yield prog("linalg_svd_grad", jax.grad(lambda m: jnp.sum(jnp.linalg.svd(m, compute_uv=False))),
             spec((3, 3)))


def control_flow():
  yield prog("while_simple", lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x),
             spec(()))
  yield prog("while_tuple", lambda x, n: lax.while_loop(
      lambda c: c[1] < n, lambda c: (c[0] * 1.5, c[1] + 1, c[2] & c[1]), (x, 0, jnp.uint8(0))),
             spec((3,)), spec((), jnp.int32))
  yield prog("fori_static", lambda x: lax.fori_loop(0, 5, lambda i, c: c + i, x), spec((2,)))
  yield prog("fori_dynamic", lambda x, n: lax.fori_loop(0, n, lambda i, c: c * 0.5 + i, x),
             spec((2,)), spec((), jnp.int32))
  yield prog("fori_unrolled", lambda x: lax.fori_loop(0, 4, lambda i, c: c + i, x, unroll=2),
             spec((2,)))
  yield prog("scan_carry_ys", lambda xs: lax.scan(lambda c, x: (c + x, c * x), 0.0, xs),
             spec((6,)))
  yield prog("scan_reverse", lambda xs: lax.scan(lambda c, x: (c * x, c), jnp.ones(2), xs, reverse=True),
             spec((5, 2)))
  yield prog("scan_unroll", lambda xs: lax.scan(lambda c, x: (c + x, None), jnp.zeros(2), xs,
                                                unroll=3), spec((7, 2)))
  yield prog("scan_no_xs", lambda c: lax.scan(lambda c, _: (c * 2, c), c, None, length=4),
             spec((2,)))
  yield prog("cond", lambda p, x: lax.cond(p, lambda y: y * 2.0, lambda y: y - 1.0, x),
             spec((), jnp.bool_), spec((3,)))
  yield prog("cond_int_pred", lambda p, x, y: lax.cond(p > 0, lambda a, b: (a + b, a),
                                                       lambda a, b: (a - b, b), x, y),
             spec((), jnp.int32), spec((2,)), spec((2,)))
  yield prog("cond_no_operands", lambda p: lax.cond(p, lambda: 1.0, lambda: 2.0),
             spec((), jnp.bool_))
  yield prog("switch3", lambda k, x: lax.switch(k, [jnp.sin, jnp.cos, lambda y: -y], x),
             spec((), jnp.int32), spec((3,)))
  yield prog("switch5_tuple", lambda k, x: lax.switch(
      k, [lambda y, i=i: (y * i, jnp.int32(i)) for i in range(5)], x), spec((), jnp.int32),
             spec((2,)))
  yield prog("nested_loops", lambda x: lax.fori_loop(0, 3, lambda i, c: lax.fori_loop(
      0, 2, lambda j, d: d + i * j, c), x), spec(()))
  yield prog("while_in_cond", lambda p, x: lax.cond(p, lambda y: lax.while_loop(
      lambda c: c.sum() < 100.0, lambda c: c * 3.0, y), lambda y: y, x),
             spec((), jnp.bool_), spec((2,)))
  yield prog("lax_map", lambda xs: lax.map(lambda x: jnp.sum(x ** 2), xs), spec((4, 3)))
  yield prog("associative_scan", lambda x: lax.associative_scan(jnp.add, x), spec((9,)))
  yield prog("associative_scan_max", lambda x: lax.associative_scan(jnp.maximum, x, reverse=True),
             spec((6, 2)))
  yield prog("checkpoint", jax.grad(lambda x: jnp.sum(jax.checkpoint(
      lambda y: jnp.sin(y) * jnp.cos(y))(x))), spec((4,)))
  yield prog("optimization_barrier", lambda x, y: lax.optimization_barrier((x * 2, y)),
             spec((3,)), spec((), jnp.int32))
  yield prog("nested_jit_calls", lambda x: jax.jit(jnp.sin)(x) + jax.jit(
      lambda y: jax.jit(jnp.cos)(y) * 2)(x), spec((3,)))
  yield prog("while_grad_fori", jax.grad(lambda x: lax.fori_loop(
      0, 3, lambda i, c: jnp.sin(c) * c, x)), spec(()))


def transforms():
  def f(x):
    return jnp.sum(jnp.tanh(x) ** 2 + jnp.exp(-x) * jnp.sin(x))

  def g(w, x):
    return jnp.mean(jax.nn.softmax(x @ w) ** 2)

  yield prog("grad_scalar", jax.grad(f), spec((5,)))
  yield prog("grad_argnums", jax.grad(g, argnums=(0, 1)), spec((4, 3)), spec((2, 4)))
  yield prog("value_and_grad", jax.value_and_grad(g), spec((4, 3)), spec((2, 4)))
  yield prog("hessian", jax.hessian(f), spec((3,)))
  yield prog("jacfwd", jax.jacfwd(lambda x: jnp.sin(x) * x[0]), spec((3,)))
  yield prog("jacrev", jax.jacrev(lambda x: jnp.cumsum(x ** 2)), spec((4,)))
  yield prog("jvp", lambda x, t: jax.jvp(f, (x,), (t,)), spec((3,)), spec((3,)))
  yield prog("vjp", lambda x, ct: jax.vjp(jnp.sin, x)[1](ct), spec((3,)), spec((3,)))
  yield prog("vmap_matvec", jax.vmap(jnp.dot, in_axes=(None, 0)), spec((3, 4)), spec((5, 4)))
  yield prog("vmap_cond", jax.vmap(lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x)),
             spec((4,), jnp.bool_), spec((4,)))
  yield prog("vmap_while", jax.vmap(lambda x: lax.while_loop(lambda c: c < 5.0, lambda c: c + 1.5,
                                                             x)), spec((3,)))
  yield prog("vmap_grad", jax.vmap(jax.grad(f)), spec((2, 3)))
  yield prog("grad_of_scan", jax.grad(lambda xs: lax.scan(
      lambda c, x: (jnp.tanh(c * x), c), 1.0, xs)[0]), spec((5,)))
  yield prog("grad_bf16", jax.grad(lambda x: jnp.sum(jnp.sin(x).astype(jnp.float32))),
             spec((4,), jnp.bfloat16))
  yield prog("grad_sort", jax.grad(lambda x: jnp.sum(jnp.sort(x) * jnp.arange(5.0))), spec((5,)))
  yield prog("grad_gather", jax.grad(lambda x, i: jnp.sum(x[i] ** 2)), spec((6,)),
             spec((3,), jnp.int32))

  @jax.custom_jvp
  def softplus(x):
    return jnp.log1p(jnp.exp(x))
  softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] * jax.nn.sigmoid(p[0])))
  yield prog("custom_jvp_grad", jax.grad(lambda x: jnp.sum(softplus(x))), spec((3,)))

  @jax.custom_vjp
  def clip_grad(x):
    return x
  clip_grad.defvjp(lambda x: (x, None), lambda _, g: (jnp.clip(g, -1, 1),))
  yield prog("custom_vjp_grad", jax.grad(lambda x: jnp.sum(clip_grad(x) ** 3)), spec((3,)))


def misc():
  yield prog("nn_functions", lambda x: (jax.nn.relu(x), jax.nn.gelu(x), jax.nn.silu(x),
                                        jax.nn.softmax(x), jax.nn.log_softmax(x),
                                        jax.nn.one_hot(jnp.argmax(x, -1), 4),
                                        jax.nn.standardize(x)), spec((3, 4)))
  yield prog("gelu_exact", lambda x: jax.nn.gelu(x, approximate=False), spec((6,)))
  yield prog("composite", lambda x: lax.composite(
      lambda y, scale: y * scale, name="my.scale")(x, scale=2.0), spec((3,)))
  yield prog("composite_attrs", lambda x: lax.composite(
      lambda y, k, s: jnp.roll(y, k) * s, name="my.roll", version=2)(
          x, k=np.int32(1), s=np.float32(0.5)), spec((4,)))
  yield prog("pure_callback", lambda x: jax.pure_callback(
      lambda a: np.asarray(a) * 2, jax.ShapeDtypeStruct((3,), jnp.float32), x), spec((3,)))
  yield prog("debug_print", lambda x: (jax.debug.print("x = {}", x), x + 1)[1], spec((2,)))
  yield prog("donated", jax.jit(lambda x, y: (x + y, y), donate_argnums=0), spec((3,)), spec((3,)))
  yield prog("static_string_attr", lambda x: jnp.where(jnp.isnan(x), 0.0, x), spec((3,)))
  yield prog("many_results", lambda x: tuple(x * i for i in range(8)), spec((2,)))
  yield prog("no_args", lambda: jnp.arange(6.0).reshape(2, 3) @ jnp.ones((3, 2)))
  yield prog("scalar_i1_arg", lambda p, x: jnp.where(p, x, -x), spec((), jnp.bool_), spec((3,)))
  yield prog("complex_ops", lambda z: (jnp.angle(z), jnp.abs(z) * z, z.real + z.imag),
             spec((3,), jnp.complex64))
  yield prog("isclose_nan_to_num", lambda x, y: (jnp.isclose(x, y), jnp.nan_to_num(x)),
             spec((4,)), spec((4,)))
  yield prog("clip_round", lambda x: (jnp.clip(x, -1, 1), jnp.round(x, 2), jnp.trunc(x)),
             spec((4,)))
  yield prog("polyval_interp", lambda x: (jnp.polyval(jnp.array([1.0, 2.0, 3.0]), x),
                                          jnp.interp(x, jnp.arange(4.0), jnp.arange(4.0) ** 2)),
             spec((5,)))


def more_lax():
  """Special functions, named-axis collectives and the rarer lax entry points."""
  x3 = spec((3,))
  special = {"igamma": lax.igamma, "igammac": lax.igammac, "igamma_grad_a": lax.igamma_grad_a,
             "random_gamma_grad": lax.random_gamma_grad, "polygamma": lax.polygamma,
             "zeta": lax.zeta}
  for name, fn in special.items():
    yield prog(f"special_{name}", fn, x3, x3)
  yield prog("special_betainc", lax.betainc, x3, x3, x3)
  yield prog("rng_uniform", lambda a, b: lax.rng_uniform(a, b, (3,)), spec(()), spec(()))
  yield prog("stop_gradient", jax.grad(lambda x: jnp.sum(lax.stop_gradient(x) * x)), x3)
  yield prog("vmap_psum", jax.vmap(lambda x: x - lax.psum(x, "i") / lax.axis_size("i"),
                                   axis_name="i"), spec((4, 3)))
  yield prog("vmap_all_gather", jax.vmap(lambda x: lax.all_gather(x, "i"), axis_name="i"),
             spec((4, 3)))
  yield prog("vmap_axis_index", jax.vmap(lambda x: x * lax.axis_index("i"), axis_name="i"),
             spec((4, 3)))
  yield prog("sort_key_val", lax.sort_key_val, spec((5,)), spec((5,), jnp.int32))
  yield prog("approx_max_k", lambda x: lax.approx_max_k(x, 3), spec((4, 20)))
  yield prog("conv_patches", lambda x: lax.conv_general_dilated_patches(x, (2, 2), (1, 1), "VALID"),
             spec((1, 2, 5, 5)))
  yield prog("conv_local", lambda x, w: lax.conv_general_dilated_local(x, w, (1, 1), "VALID", (2, 2)),
             spec((1, 2, 4, 4)), spec((3, 8, 3, 3)))
  yield prog("conv_general_padding", lambda x, w: lax.conv_with_general_padding(
      x, w, (1, 1), ((1, 1), (0, 0)), (1, 1), (1, 1)), spec((1, 2, 5, 5)), spec((3, 2, 3, 3)))
  yield prog("ragged_dot", lax.ragged_dot, spec((6, 4)), spec((2, 4, 3)), spec((2,), jnp.int32))
  yield prog("split", lambda x: lax.split(x, (1, 2), axis=0), spec((3, 2)))
  yield prog("platform_dependent", lambda x: lax.platform_dependent(x, cpu=jnp.sin, default=jnp.cos),
             x3)
  yield prog("tridiagonal_solve", lax.linalg.tridiagonal_solve, spec((4,)), spec((4,)), spec((4,)),
             spec((4, 1)))
  yield prog("tridiagonal", lax.linalg.tridiagonal, spec((4, 4)))
  yield prog("householder_product", lax.linalg.householder_product, spec((4, 3)), spec((3,)))
  yield prog("lu_pivots_to_permutation", lambda p: lax.linalg.lu_pivots_to_permutation(p, 5),
             spec((4,), jnp.int32))
  yield prog("qdwh", lambda a: lax.linalg.qdwh(a)[0], spec((4, 4)))
  yield prog("reduce_and", lambda x: lax.reduce_and(x, (0,)), spec((3, 4), jnp.bool_))

  def collectives():
    from jax.sharding import NamedSharding, PartitionSpec as P
    mesh = jax.make_mesh((1,), ("x",))
    fn = jax.shard_map(lambda x: (lax.psum(x, "x"), lax.all_gather(x, "x", tiled=True),
                                  lax.ppermute(x, "x", [(0, 0)]), lax.pmax(x, "x"),
                                  lax.psum_scatter(x, "x", tiled=True)),
                       mesh=mesh, in_specs=P("x"), out_specs=P("x"))
    arg = jax.ShapeDtypeStruct((4,), jnp.float32, sharding=NamedSharding(mesh, P("x")))
    return jax.jit(fn).lower(arg).as_text()
  yield Program(name="shard_map_collectives", text=collectives, note="sdy mesh, collectives")


def symbolic():
  """Shape-polymorphic exports: dynamic shapes and their ops."""
  from jax import export

  def exported(fn, *specs):
    def text():
      exp = export.export(jax.jit(fn))(*specs)
      return exp.mlir_module()
    return text

  b, = export.symbolic_shape("b")
  cases = {
      "poly_add": (lambda x: x + 1.0, [jax.ShapeDtypeStruct((b, 3), jnp.float32)]),
      "poly_sum": (lambda x: jnp.sum(x, axis=0), [jax.ShapeDtypeStruct((b, 3), jnp.float32)]),
      "poly_reshape": (lambda x: x.reshape(-1), [jax.ShapeDtypeStruct((b, 3), jnp.float32)]),
      "poly_matmul": (lambda x, w: x @ w, [jax.ShapeDtypeStruct((b, 4), jnp.float32),
                                           jax.ShapeDtypeStruct((4, 2), jnp.float32)]),
      "poly_iota": (lambda x: x + jnp.arange(x.shape[0]), [jax.ShapeDtypeStruct((b,), jnp.int32)]),
  }
  for name, (fn, specs) in cases.items():
    yield Program(name=name, note="shape-polymorphic export", text=exported(fn, *specs))


def programs():
  for family in (convolutions, pooling, dots, ffts, randomness, linalg, control_flow, transforms,
                 misc, more_lax, symbolic):
    yield from family()
  yield from programs_nn.programs()
