"""The fusion passes end to end: softmax, log_softmax, rms_norm, layer_norm and
attention written the ways models write them must become one fused custom call
each in the IR the plugin dumps (APPLEJAX_DUMP_IR), near-misses must stay
unfused, and fusion must not change results: every case matches JAX's cpu
backend and the same program compiled with APPLEJAX_PASSES=none."""

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax import lax

from conftest import assert_same, run_both
from op_inputs import FLOATS, ids, sample

TARGETS = ("softmax", "log_softmax", "rms_norm", "layer_norm", "sdpa")


def fused_counts(dump_dir):
  """How many times each applejax.fast.* target is called in the final IR dumped under dump_dir."""
  files = sorted(dump_dir.glob("*.final.mlir"))
  assert files, f"nothing dumped under {dump_dir}: does this plugin read APPLEJAX_DUMP_IR?"
  text = "\n".join(f.read_text() for f in files)
  return {t: text.count(f'"applejax.fast.{t}"') for t in TARGETS}


# A norm rounds to bfloat16 after every op unfused, once fused, and XLA's cpu keeps float32
# inside its fusions: the three differ by up to ~3 bf16 ulps (1.2%), more than conftest's 1e-2.
BF16_TOL = (2e-2, 2e-2)


def assert_close(got, want, tol):
  """assert_same at tol; bfloat16 goes through float32, as assert_same ignores tol for it."""
  for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    assert_same(np.asarray(g, np.float32) if g.dtype == ml_dtypes.bfloat16 else g,
                np.asarray(w, np.float32) if w.dtype == ml_dtypes.bfloat16 else w, tol)


def _wide(dtype):  # the mps-vs-cpu tolerance of a norm: conftest's, but BF16_TOL for bf16
  return BF16_TOL if np.dtype(dtype) == ml_dtypes.bfloat16 else None


def _tight(dtype):
  if np.dtype(dtype) == ml_dtypes.bfloat16:
    return BF16_TOL
  return (1e-2, 1e-2) if np.dtype(dtype) == np.float16 else (1e-5, 1e-6)


@pytest.fixture
def fusion(check, mps, cpu, monkeypatch, tmp_path):
  """fusion(fn, *args, expect=None, tol=None): check(fn, *args) (tol: mps vs cpu at tol
  instead) with the default passes, then the fused-call counts of the dumped IR must equal
  expect (targets it leaves out: 0; None: only printed), then fn compiled on mps with
  APPLEJAX_PASSES=none must agree closely."""

  def compile_fresh(name, passes):
    if passes is None:
      monkeypatch.delenv("APPLEJAX_PASSES", raising=False)
    else:
      monkeypatch.setenv("APPLEJAX_PASSES", passes)
    dump_dir = tmp_path / name
    dump_dir.mkdir()
    monkeypatch.setenv("APPLEJAX_DUMP_IR", str(dump_dir))
    jax.clear_caches()
    return dump_dir

  def run(fn, *args, expect=None, tol=None):
    fused_dir = compile_fresh("fused", None)
    if tol is None:
      fused = check(fn, *args)
    else:
      fused, want = run_both(fn, *args, mps_device=mps, cpu_device=cpu)
      assert all(leaf.devices() == {mps} for leaf in jax.tree.leaves(fused))
      assert_close(fused, want, tol)
    counts = fused_counts(fused_dir)
    if expect is None:
      print(f"fused calls (not asserted): {counts}")
    else:
      assert counts == {t: expect.get(t, 0) for t in TARGETS}
    plain_dir = compile_fresh("plain", "none")
    with jax.default_device(mps):
      plain = jax.jit(fn)(*[jax.device_put(a, mps) for a in args])
    assert fused_counts(plain_dir) == dict.fromkeys(TARGETS, 0)
    for f, p in zip(jax.tree.leaves(fused), jax.tree.leaves(plain), strict=True):
      assert_close(f, p, _tight(p.dtype))
    return counts

  return run


def rms(x, w=None, axis=-1, reduce=jnp.mean, eps=1e-6):
  y = x * lax.rsqrt(reduce(x * x, axis=axis, keepdims=True) + eps)
  return y if w is None else y * w


def layer_norm(x, w=None, b=None, eps=1e-5, var=None):
  mean = x.mean(-1, keepdims=True)
  var = ((x - mean) ** 2).mean(-1, keepdims=True) if var is None else var(x)
  y = (x - mean) * lax.rsqrt(var + eps)
  return y if w is None else y * w + b


def manual_softmax(x):
  e = jnp.exp(x - jnp.max(x, axis=-1, keepdims=True))
  return e / jnp.sum(e, axis=-1, keepdims=True)


SM = lambda x: jax.nn.softmax(x, axis=-1)

# name: (fn, input shapes, expected fused calls)
CASES = {
    "softmax": (SM, [(4, 32)], {"softmax": 1}),
    "log_softmax": (lambda x: jax.nn.log_softmax(x, axis=-1), [(4, 32)], {"log_softmax": 1}),
    "softmax_axis0": (lambda x: jax.nn.softmax(x, axis=0), [(4, 32)], {"softmax": 1}),
    "softmax_manual": (manual_softmax, [(4, 32)], {"softmax": 1}),
    "softmax_chained": (lambda x: SM(SM(x)), [(4, 32)], {"softmax": 2}),
    "softmax_two": (lambda x, y: (SM(x), SM(y)), [(4, 32), (2, 8, 64)], {"softmax": 2}),
    "softmax_vmapped": (jax.vmap(SM), [(2, 8, 64)], {"softmax": 1}),
    "rms_norm": (rms, [(4, 32), (32,)], {"rms_norm": 1}),
    "rms_norm_no_weight": (rms, [(2, 8, 64)], {"rms_norm": 1}),
    "rms_norm_vmapped": (lambda x, w: jax.vmap(lambda r: rms(r, w))(x), [(2, 8, 64), (64,)],
                         {"rms_norm": 1}),
    "layer_norm": (layer_norm, [(4, 32), (32,), (32,)], {"layer_norm": 1}),
    "layer_norm_no_affine": (layer_norm, [(2, 8, 64)], {"layer_norm": 1}),
    "layer_norm_jnp_var": (lambda x, w, b: layer_norm(
        x, w, b, var=lambda v: jnp.var(v, axis=-1, keepdims=True)), [(4, 32), (32,), (32,)],
                           {"layer_norm": 1}),
}


def _ln_with_mean(x, w, b):
  mean = x.mean(-1, keepdims=True)
  var = ((x - mean) ** 2).mean(-1, keepdims=True)
  return (x - mean) * lax.rsqrt(var + 1e-5) * w + b, mean


def _softmax_and_exp(x):
  e = jnp.exp(x - jnp.max(x, axis=-1, keepdims=True))
  return e / jnp.sum(e, axis=-1, keepdims=True), e


# Written like a fusable pattern, but must not fuse (and must stay correct).
NEAR_MISSES = {
    "rms_norm_axis0": (lambda x: rms(x, axis=0), [(4, 32)]),
    "rms_norm_sum": (lambda x, w: rms(x, w, reduce=jnp.sum), [(4, 32), (32,)]),
    "layer_norm_mean_returned": (_ln_with_mean, [(4, 32), (32,), (32,)]),
    "softmax_exp_returned": (_softmax_and_exp, [(4, 32)]),
    "rms_norm_eps_after_rsqrt": (lambda x, w: x * (lax.rsqrt(jnp.mean(
        x * x, axis=-1, keepdims=True)) + 1e-6) * w, [(4, 32), (32,)]),
}


def inputs(dtype, shapes):
  """Arrays of those shapes; 1-D ones are norm weights and biases, near 1 as trained ones are
  (large ones would make bf16's per-op rounding cancel visibly in y * w + b)."""
  return [sample(dtype, s, seed=i) if len(s) > 1 else (1 + sample(np.float32, s, seed=i) / 8)
          .astype(dtype) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("dtype", FLOATS, ids=ids(FLOATS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_fuses(fusion, name, dtype):
  fn, shapes, expect = CASES[name]
  if name == "layer_norm_jnp_var" and dtype != np.float32:
    # In half floats jnp.var centres float32 copies of x on the float32 mean
    # while the output centres x on the rounded mean: two different centrings,
    # which no one kernel computes. It must stay unfused (and correct).
    expect = {}
  fusion(fn, *inputs(dtype, shapes), expect=expect, tol=_wide(dtype))


@pytest.mark.parametrize("name", ["rms_norm", "rms_norm_no_weight", "layer_norm",
                                  "layer_norm_no_affine"])
def test_fused_norm_keeps_eps(fusion, name):
  # mean(x * x) and var near eps, and a zero row (0 * rsqrt(0) is NaN): a lost eps shows.
  fn, shapes, expect = CASES[name]
  x, *params = inputs(np.float32, shapes)
  x = x / 3000
  x[0] = 0
  fusion(fn, x, *params, expect=expect)


# What a near-miss may fuse instead: with the mean needed outside, the layer
# norm is not taken, but its centred values x - mean still form an exact RMS
# norm (mean((x - mean)^2) is their mean square).
NEAR_MISS_FUSES = {"layer_norm_mean_returned": {"rms_norm": 1}}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_near_miss_does_not_fuse(fusion, name):
  fn, shapes = NEAR_MISSES[name]
  fusion(fn, *inputs(np.float32, shapes), expect=NEAR_MISS_FUSES.get(name, {}))


@pytest.mark.parametrize("dtype", FLOATS, ids=ids(FLOATS))
@pytest.mark.parametrize("framework", [pytest.param("flax", marks=pytest.mark.frameworks),
                                       pytest.param("equinox", marks=pytest.mark.frameworks)])
def test_framework_layer_norm(fusion, framework, dtype):
  x, w, b = inputs(dtype, [(4, 32), (32,), (32,)])
  if framework == "flax":
    nn = pytest.importorskip("flax.linen")
    module = nn.LayerNorm(dtype=dtype, param_dtype=dtype)
    params = {"params": {"scale": w, "bias": b}}
    fusion(lambda v, p: module.apply(p, v), x, params, expect={"layer_norm": 1}, tol=_wide(dtype))
  else:
    eqx = pytest.importorskip("equinox")
    ln = eqx.nn.LayerNorm(32, dtype=dtype)
    ln = eqx.tree_at(lambda m: (m.weight, m.bias), ln, (w, b))
    fusion(lambda v, m: jax.vmap(m)(v), x, ln, expect={"layer_norm": 1}, tol=_wide(dtype))


GRADS = {
    "softmax": SM,
    "rms_norm": lambda x: rms(x, jnp.linspace(0.5, 1.5, x.shape[-1], dtype=x.dtype)),
    "layer_norm": lambda x: layer_norm(x, jnp.linspace(0.5, 1.5, x.shape[-1], dtype=x.dtype),
                                       jnp.full(x.shape[-1], 0.25, x.dtype)),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_grad(fusion, name):
  # Whether the forward fuses inside a grad program is measured natively; only print it.
  x, c = inputs(np.float32, [(4, 32), (4, 32)])
  fusion(lambda v, w: jax.grad(lambda u: jnp.sum(GRADS[name](u) * w))(v), x, c)


SDPA_SHAPE = (2, 16, 4, 8)  # (B, T, N, H)
SDPA_DTYPES = [np.float32, ml_dtypes.bfloat16]


def sdpa_case(variant, dtype):
  q, k, v = [(sample(np.float32, SDPA_SHAPE, seed=i) / 3).astype(dtype) for i in range(3)]
  if variant == "bias":
    b, t, n, _ = SDPA_SHAPE
    bias = (sample(np.float32, (b, n, t, t), seed=3) / 3).astype(dtype)
    return lambda *a: jax.nn.dot_product_attention(*a[:3], bias=a[3]), (q, k, v, bias)
  causal = variant == "causal"
  return lambda *a: jax.nn.dot_product_attention(*a, is_causal=causal), (q, k, v)


@pytest.mark.parametrize("dtype", SDPA_DTYPES, ids=ids(SDPA_DTYPES))
@pytest.mark.parametrize("variant", ["plain", "causal", "bias"])
def test_sdpa(fusion, variant, dtype):
  fn, args = sdpa_case(variant, dtype)
  fusion(fn, *args, tol=_wide(dtype))


@pytest.mark.parametrize("dtype", SDPA_DTYPES, ids=ids(SDPA_DTYPES))
@pytest.mark.parametrize("variant", ["plain", "causal", "bias"])
def test_sdpa_fuses(fusion, variant, dtype):
  fn, args = sdpa_case(variant, dtype)
  fusion(fn, *args, expect={"sdpa": 1}, tol=_wide(dtype))
