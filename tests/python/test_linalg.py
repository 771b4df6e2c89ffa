"""Linear algebra: jnp.linalg and jax.scipy.linalg on mps vs cpu.

Real (float32) and complex (complex64) inputs, single and batched matrices,
gradients where JAX defines them, and inside scan/fori_loop/while/cond bodies
and vmap. Decompositions that are only unique up to signs or phases (QR, SVD,
eigenvectors, Schur form) are compared through what they determine uniquely:
phase-normalised factors, rank-one projectors, reconstructions, sorted
eigenvalues. A few float64 cases run the double-precision kernels (MLX's CPU
device runs float64; the GPU refuses it).
"""

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from jax import lax

DTYPES = [np.float32, np.complex64]
BATCHES = {"single": (), "batched": (2, 3)}
TOL = (5e-4, 5e-4)
GRAD_TOL = (3e-3, 3e-3)


def ids(dtypes):
  return [np.dtype(d).name for d in dtypes]


def rand(dtype, shape, seed=0):
  rng = np.random.default_rng(seed)
  if np.issubdtype(dtype, np.complexfloating):
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
  else:
    x = rng.standard_normal(shape)
  return x.astype(dtype)


def general(dtype, batch=(), n=4, seed=0):
  """Well-conditioned square matrices (a random matrix plus 2*I)."""
  return (rand(dtype, batch + (n, n), seed) + 2 * np.eye(n)).astype(dtype)


def hpd(dtype, batch=(), n=4, seed=0):
  """Hermitian positive definite, distinct eigenvalues."""
  a = rand(dtype, batch + (n, n), seed)
  return (a @ np.conj(np.swapaxes(a, -1, -2)) / n + np.diag(np.arange(1, n + 1))).astype(dtype)


def herm(dtype, batch=(), n=4, seed=0):
  """Hermitian (indefinite), distinct eigenvalues."""
  a = rand(dtype, batch + (n, n), seed)
  return ((a + np.conj(np.swapaxes(a, -1, -2))) / 2 + np.diag(np.arange(n) * 1.5)).astype(dtype)


def mT(x):
  return jnp.swapaxes(x, -1, -2)


def mH(x):
  return jnp.conj(mT(x))


def phase(d):
  """Unit-modulus phase of d (1 where d is 0)."""
  a = jnp.abs(d)
  return jnp.where(a == 0, 1, d / jnp.where(a == 0, 1, a)).astype(d.dtype)


def canonical_qr(q, r):
  """Q and R with R's diagonal real and non-negative: unique for full rank."""
  k = min(q.shape[-1], r.shape[-2], r.shape[-1])
  ph = phase(jnp.diagonal(r, axis1=-2, axis2=-1)[..., :k])
  q = q[..., :, :k] * ph[..., None, :]
  top = r[..., :k, :] * jnp.conj(ph)[..., :, None]
  if r.shape[-2] > k:
    top = jnp.concatenate([top, r[..., k:, :]], axis=-2)
  return q, top


def projectors(u, v=None):
  """u_i v_i^H for each column i: unique whatever phase each pair has."""
  v = u if v is None else v
  return jnp.einsum("...ik,...jk->...kij", u, jnp.conj(v))


def qr_complete_invariants(q, r):
  # Q's columns beyond min(m, n) only span a unique complement.
  k = min(r.shape[-2:])
  out = (canonical_qr(q, r), q @ r)
  if q.shape[-1] > k:
    out += (q[..., :, k:] @ mH(q[..., :, k:]),)
  return out


def svd_invariants(u, s, vh):
  k = s.shape[-1]
  out = (s, projectors(u[..., :, :k], mH(vh)[..., :, :k]))
  # The columns beyond k (full_matrices) span a unique complement.
  if u.shape[-1] > k:
    out += (u[..., :, k:] @ mH(u[..., :, k:]),)
  if vh.shape[-2] > k:
    out += (mH(vh[..., k:, :]) @ vh[..., k:, :],)
  return out


def sort_eig(w, v=None):
  """Eigenvalues ordered by (real, imag); eigenvectors likewise, each scaled so
  its largest component is real and positive."""
  order = jnp.lexsort((jnp.round(w.imag, 4), jnp.round(w.real, 4)), axis=-1)
  w = jnp.take_along_axis(w, order, axis=-1)
  if v is None:
    return w
  v = jnp.take_along_axis(v, order[..., None, :], axis=-1)
  big = jnp.argmax(jnp.abs(v), axis=-2, keepdims=True)
  v = v * jnp.conj(phase(jnp.take_along_axis(v, big, axis=-2)))
  return w, v


def per_matrix(f):
  """f (which takes one matrix) mapped over any batch dimensions."""

  def g(a):
    h = f
    for _ in range(a.ndim - 2):
      h = jax.vmap(h)
    return h(a)

  return g


# --- jnp.linalg: solves, inverses, determinants, factorizations ----------------

SQUARE = {
    "solve": lambda a: jnp.linalg.solve(a, a[..., :, :2] * 2 + 1),
    "solve_vector": per_matrix(lambda a: jnp.linalg.solve(a, a[:, 0] + 1)),
    "inv": jnp.linalg.inv,
    "det": jnp.linalg.det,
    "slogdet": lambda a: tuple(jnp.linalg.slogdet(a)),
    "matrix_power_3": lambda a: jnp.linalg.matrix_power(a, 3),
    "matrix_power_-2": lambda a: jnp.linalg.matrix_power(a, -2),
    "eigvals": lambda a: sort_eig(jnp.linalg.eigvals(a)),
    "eig": lambda a: sort_eig(*jnp.linalg.eig(a)),
    "svd_values": lambda a: jnp.linalg.svd(a, compute_uv=False),
    "cond": jnp.linalg.cond,
    "cond_fro": lambda a: jnp.linalg.cond(a, "fro"),
    "norm_2": lambda a: jnp.linalg.norm(a, 2, axis=(-2, -1)),
    "norm_-2": lambda a: jnp.linalg.norm(a, -2, axis=(-2, -1)),
    "norm_nuc": lambda a: jnp.linalg.norm(a, "nuc", axis=(-2, -1)),
    "lu": per_matrix(jsl.lu),
    "lu_permute_l": per_matrix(lambda a: jsl.lu(a, permute_l=True)),
    "lu_factor": lambda a: jsl.lu_factor(a),
    "expm": jsl.expm,
}


@pytest.mark.parametrize("batch", sorted(BATCHES))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(SQUARE))
def test_square(check, name, dtype, batch):
  check(SQUARE[name], general(dtype, BATCHES[batch]), tol=TOL)


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_slogdet_qr(check, batch):
  # JAX implements method="qr" for real inputs only.
  check(lambda a: tuple(jnp.linalg.slogdet(a, method="qr")), general(np.float32, BATCHES[batch]),
        tol=TOL)


HERMITIAN = {
    "cholesky": jnp.linalg.cholesky,
    "cholesky_upper": lambda a: jnp.linalg.cholesky(a, upper=True),
    "eigh": lambda a: (lambda w, v: (w, projectors(v)))(*jnp.linalg.eigh(a)),
    "eigh_upper": lambda a: (lambda w, v: (w, projectors(v)))(*jnp.linalg.eigh(a, UPLO="U")),
    "eigvalsh": jnp.linalg.eigvalsh,
    "cho_factor": lambda a: jsl.cho_factor(a, lower=True)[0],
    "cho_solve": lambda a: jsl.cho_solve(jsl.cho_factor(a), a[..., :, :2] + 1),
    "solve_assume_pos": per_matrix(lambda a: jsl.solve(a, a[:, :2] + 1, assume_a="pos")),
    "scipy_eigh": lambda a: (lambda w, v: (w, projectors(v)))(*jsl.eigh(a)),
}


@pytest.mark.parametrize("batch", sorted(BATCHES))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(HERMITIAN))
def test_hermitian(check, name, dtype, batch):
  check(HERMITIAN[name], hpd(dtype, BATCHES[batch]), tol=TOL)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_sqrtm(check, dtype):
  # jax.scipy.linalg.sqrtm takes one matrix (no batch dimensions).
  check(jsl.sqrtm, hpd(dtype, seed=2), tol=TOL)


@pytest.mark.parametrize("batch", sorted(BATCHES))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_eig_left_and_right_vectors(check, dtype, batch):
  def f(a):
    w, vl, vr = lax.linalg.eig(a, compute_left_eigenvectors=True)
    return sort_eig(w, vl), sort_eig(w, vr)

  check(f, general(dtype, BATCHES[batch], seed=1), tol=TOL)


def test_eigh_indefinite(check):
  check(lambda a: (lambda w, v: (w, projectors(v)))(*jnp.linalg.eigh(a)),
        herm(np.complex64, (3,), n=5), tol=TOL)


# Rectangular inputs: tall (6x4) and wide (3x5).
RECT = {
    "qr_reduced": lambda a: canonical_qr(*jnp.linalg.qr(a)),
    "qr_complete": lambda a: qr_complete_invariants(*jnp.linalg.qr(a, mode="complete")),
    "qr_r": lambda a: jnp.abs(jnp.linalg.qr(a, mode="r")),
    "svd_full": lambda a: svd_invariants(*jnp.linalg.svd(a, full_matrices=True)),
    "svd_reduced": lambda a: svd_invariants(*jnp.linalg.svd(a, full_matrices=False)),
    "svd_qr_algorithm": lambda a: svd_invariants(*lax.linalg.svd(
        a, full_matrices=False, algorithm=lax.linalg.SvdAlgorithm.QR)),
    "pinv": jnp.linalg.pinv,
    "lstsq": lambda a: tuple(jnp.linalg.lstsq(a, a[..., :, :1] * 2 + 1)),
    "scipy_qr_pivoting": lambda a: (lambda q, r, p: (canonical_qr(q, r), p))(
        *jsl.qr(a, mode="economic", pivoting=True)),
    "scipy_svd": lambda a: svd_invariants(*jsl.svd(a)),
}
SHAPES = {"tall": (6, 4), "wide": (3, 5)}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(RECT))
def test_rectangular(check, name, dtype, shape):
  check(RECT[name], rand(dtype, SHAPES[shape], seed=3), tol=TOL)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", ["qr_reduced", "svd_reduced", "pinv"])
def test_rectangular_batched(check, name, dtype):
  check(RECT[name], rand(dtype, (2, 6, 4), seed=4), tol=TOL)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_matrix_rank(check, dtype):
  b, c = rand(dtype, (2, 5, 2), seed=5), rand(dtype, (2, 2, 4), seed=6)
  check(jnp.linalg.matrix_rank, b @ c)


# --- triangular solves ------------------------------------------------------------


@pytest.mark.parametrize("unit", [False, True], ids=["diag", "unit_diag"])
@pytest.mark.parametrize("trans", [0, 1, 2])
@pytest.mark.parametrize("lower", [True, False], ids=["lower", "upper"])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_solve_triangular(check, dtype, lower, trans, unit):
  a = general(dtype, (2,), seed=7)
  b = rand(dtype, (2, 4, 3), seed=8)
  check(lambda a, b: jsl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit), a, b,
        tol=TOL)


@pytest.mark.parametrize("conjugate", [False, True])
@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_right_side(check, transpose, conjugate):
  a = general(np.complex64, seed=9)
  b = rand(np.complex64, (3, 4), seed=10)
  check(lambda a, b: lax.linalg.triangular_solve(a, b, left_side=False, lower=True,
                                                 transpose_a=transpose, conjugate_a=conjugate),
        a, b, tol=TOL)


@pytest.mark.parametrize("trans", [0, 1, 2])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_lu_solve(check, dtype, trans):
  a = general(dtype, seed=11)
  b = rand(dtype, (4, 2), seed=12)
  check(lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=trans), a, b, tol=TOL)


# --- Schur, Hessenberg, tridiagonal, polar ---------------------------------------


def schur_invariants(t, z):
  w = sort_eig(jnp.linalg.eigvals(t))
  return w, z @ t @ mH(z), mH(z) @ z, jnp.tril(t, -2)


# Complex input always gives the complex Schur form, so it has one case.
@pytest.mark.parametrize("dtype,output", [(np.float32, "real"), (np.float32, "complex"),
                                          (np.complex64, "complex")],
                         ids=["float32-real", "float32-complex", "complex64"])
def test_schur(check, dtype, output):
  check(lambda a: schur_invariants(*jsl.schur(a, output=output)), general(dtype, seed=13), tol=TOL)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_schur_batched(check, dtype):
  def f(a):
    t, z = lax.linalg.schur(a)
    return sort_eig(jnp.linalg.eigvals(t)), z @ t @ mH(z)

  check(f, general(dtype, (3,), seed=14), tol=TOL)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_hessenberg(check, dtype):
  def f(a):
    h, q = jsl.hessenberg(a, calc_q=True)
    # H is unique up to a diagonal unitary D (D^H H D); normalise the
    # subdiagonal to be real and positive.
    sub = jnp.diagonal(h, offset=-1)
    d = jnp.concatenate([jnp.ones((1,), h.dtype), jnp.cumprod(phase(sub))])
    return jnp.conj(d)[:, None] * h * d[None, :], q * d[None, :], q @ h @ mH(q)

  check(f, general(dtype, seed=15), tol=TOL)


@pytest.mark.parametrize("lower", [True, False], ids=["lower", "upper"])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_tridiagonal(check, dtype, lower):
  def f(a):
    _, d, e, _ = lax.linalg.tridiagonal(a, lower=lower)
    return d, jnp.abs(e)

  check(f, herm(dtype, (2,), seed=16), tol=TOL)


@pytest.mark.parametrize("method", ["svd", "qdwh"])
@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_polar(check, dtype, method):
  check(lambda a: jsl.polar(a, method=method), general(dtype, seed=17), tol=(2e-3, 2e-3))


def test_polar_left_tall(check):
  check(lambda a: jsl.polar(a, side="left", method="svd"), rand(np.float32, (6, 4), seed=18),
        tol=TOL)


@pytest.mark.parametrize("select", ["all", "index_range"])
def test_eigh_tridiagonal(check, select):
  d = rand(np.float32, (6,), seed=19) * 3
  e = rand(np.float32, (5,), seed=20)
  kw = {"select": "i", "select_range": (1, 4)} if select == "index_range" else {"select": "a"}
  check(lambda d, e: jsl.eigh_tridiagonal(d, e, eigvals_only=True, **kw), d, e,
        tol=TOL)


# --- failures come back as NaN, singular matrices ----------------------------------


def test_cholesky_not_positive_definite_is_nan(check):
  a = np.stack([hpd(np.float32, seed=21), -hpd(np.float32, seed=22)])
  out = check(jnp.linalg.cholesky, a)
  # jnp.linalg.cholesky keeps the lower triangle: all of it is NaN.
  assert np.isnan(np.asarray(out[1])[np.tril_indices(4)]).all()
  assert np.isfinite(np.asarray(out[0])).all()


def test_lu_singular(check):
  a = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], np.float32)
  check(lambda a: (jsl.lu(a), jnp.linalg.det(a)), a, tol=TOL)


def test_half_precision_is_refused_with_advice(mps):
  # jax >= 0.11 refuses float16 cholesky before lowering, so the program goes
  # to the plugin as StableHLO text, the way an older jax would send it.
  import raw_stablehlo

  text = """
  func.func @main(%a: tensor<3x3xf16>) -> tensor<3x3xf16> {
    %l = stablehlo.cholesky %a, lower = true : tensor<3x3xf16>
    return %l : tensor<3x3xf16>
  }"""
  a = (np.eye(3) * 2).astype(np.float16)
  with pytest.raises(Exception, match=r"cholesky.*float16 is not supported.*Cast the operands"):
    raw_stablehlo.run(text, "mps", a)
  # The failed program leaves the plugin usable.
  ok = jax.jit(jnp.linalg.inv)(jax.device_put(np.eye(2, dtype=np.float32) * 2, mps))
  np.testing.assert_allclose(np.asarray(ok), np.eye(2) / 2)


def test_svd_empty(check):
  check(lambda a: jnp.linalg.svd(a), np.zeros((0, 3), np.float32))


# --- gradients ------------------------------------------------------------------------


def real_loss(f):
  """A real scalar of f's (possibly complex) outputs, weighted so that no
  entry's gradient is trivially symmetric."""

  def loss(*args):
    total = 0.0
    for i, leaf in enumerate(jax.tree.leaves(f(*args))):
      w = jnp.arange(1, leaf.size + 1, dtype=jnp.float32).reshape(leaf.shape) / leaf.size
      total = total + jnp.sum(jnp.real(leaf) * w) + 0.5 * jnp.sum(jnp.imag(leaf) * w) * (i + 1)
    return total

  return loss


GRADS = {
    "det": (jnp.linalg.det, general),
    "slogdet": (lambda a: jnp.linalg.slogdet(a)[1], general),
    "inv": (jnp.linalg.inv, general),
    "solve": (lambda a: jnp.linalg.solve(a, jnp.ones(a.shape[:-1] + (2,), a.dtype)), general),
    "cholesky": (jnp.linalg.cholesky, hpd),
    "eigh": (lambda a: (lambda w, v: (w, jnp.abs(v) ** 2))(*jnp.linalg.eigh(a)), herm),
    "eigvalsh": (jnp.linalg.eigvalsh, herm),
    "qr": (lambda a: jnp.abs(jnp.linalg.qr(a)[1]) ** 2, general),
    "svd_values": (lambda a: jnp.linalg.svd(a, compute_uv=False), general),
    "svd_vectors": (lambda a: (lambda u, s, vh: (s, jnp.abs(u) ** 2, jnp.abs(vh) ** 2))(
        *jnp.linalg.svd(a, full_matrices=False)), general),
    "eigvals": (lambda a: jnp.abs(jnp.linalg.eigvals(a)) ** 2, general),
    "lu": (lambda a: jsl.lu(a)[1:], general),
    "solve_triangular": (lambda a: jsl.solve_triangular(a, jnp.ones((4, 2), a.dtype), lower=True),
                         general),
    "expm": (jsl.expm, lambda d, seed=0: general(d, seed=seed) / 4),
    "pinv": (jnp.linalg.pinv, general),
    "norm_nuc": (lambda a: jnp.linalg.norm(a, "nuc"), general),
    "norm_2": (lambda a: jnp.linalg.norm(a, 2), general),
    "polar_svd": (lambda a: jsl.polar(a, method="svd"), general),
    "lstsq": (lambda a: jnp.linalg.lstsq(a, jnp.ones((4, 1), a.dtype))[0], general),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(GRADS))
def test_grad(check, name, dtype):
  f, make = GRADS[name]
  check(jax.grad(real_loss(f)), make(dtype, seed=23), tol=GRAD_TOL)


def test_grad_batched_cholesky_solve(check):
  def loss(a, b):
    c = jsl.cho_factor(a)
    return jnp.sum(jsl.cho_solve(c, b) ** 2)

  check(jax.grad(loss, argnums=(0, 1)), hpd(np.float32, (3,), seed=24),
        rand(np.float32, (3, 4, 2), seed=25), tol=GRAD_TOL)


def test_jvp_eigvals(check):
  def f(a, da):
    w, dw = jax.jvp(lambda x: lax.linalg.eig(x, compute_left_eigenvectors=False,
                                             compute_right_eigenvectors=False)[0], (a,), (da,))
    return sort_eig(w), jnp.sort(jnp.abs(dw))

  check(f, general(np.float32, seed=26), rand(np.float32, (4, 4), seed=27), tol=GRAD_TOL)


# --- vmap, loops and conditionals -------------------------------------------------------


IN_LOOPS = {
    "solve": lambda m, c: jnp.linalg.solve(m, c),
    "cholesky": lambda m, c: jnp.linalg.cholesky(m @ mH(m) + 4 * jnp.eye(4, dtype=m.dtype)) @ c,
    "eigh": lambda m, c: jnp.linalg.eigvalsh(m + mH(m))[:, None] * c,
    "svd": lambda m, c: jnp.linalg.svd(m, compute_uv=False)[:, None] * c,
    "qr": lambda m, c: jnp.abs(jnp.linalg.qr(m)[1]).astype(m.dtype) @ c,
    "lu": lambda m, c: jsl.lu_solve(jsl.lu_factor(m), c),
    "eig": lambda m, c: jnp.sort(jnp.abs(jnp.linalg.eigvals(m)))[:, None].astype(m.dtype) * c,
    "schur": lambda m, c: jnp.sort(jnp.abs(jnp.diagonal(jsl.schur(m, output="complex")[0])))[
        :, None].astype(m.dtype) * c,
    "inv": lambda m, c: jnp.linalg.inv(m) @ c,
    "det": lambda m, c: jnp.linalg.det(m) * c,
    "triangular": lambda m, c: jsl.solve_triangular(m, c, lower=True),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(IN_LOOPS))
def test_in_scan(check, name, dtype):
  body = IN_LOOPS[name]

  def f(mats, c0):
    def step(c, m):
      c = body(m, c)
      c = c / jnp.max(jnp.abs(c))
      return c, jnp.sum(jnp.abs(c))

    return lax.scan(step, c0, mats)

  check(f, general(dtype, (3,), seed=28), rand(dtype, (4, 2), seed=29), tol=(2e-3, 2e-3))


@pytest.mark.parametrize("name", ["solve", "eigh", "svd", "qr", "eig", "cholesky"])
def test_in_fori_loop(check, name):
  body = IN_LOOPS[name]

  def f(m, c):
    return lax.fori_loop(0, 3, lambda i, c: (lambda c: c / jnp.max(jnp.abs(c)))(body(m, c)), c)

  check(f, general(np.float32, seed=30), rand(np.float32, (4, 2), seed=31), tol=(2e-3, 2e-3))


def test_in_while_loop(check):
  def f(a, x):
    # Newton's iteration for sqrt of a positive definite matrix, stopping on
    # the residual: a solve per step and a host-read predicate.
    def cond(state):
      i, y = state
      return (i < 20) & (jnp.linalg.norm(y @ y - a) > 1e-4)

    def body(state):
      i, y = state
      return i + 1, (y + jnp.linalg.solve(y, a)) / 2

    return lax.while_loop(cond, body, (0, x))

  a = hpd(np.float32, seed=32)
  check(f, a, np.eye(4, dtype=np.float32) * 2, tol=(2e-3, 2e-3))


@pytest.mark.parametrize("pred", [True, False])
def test_in_cond(check, pred):
  def f(p, a):
    return lax.cond(p, lambda m: jnp.linalg.cholesky(m), lambda m: jnp.linalg.eigh(m)[0][:, None] * m,
                    a)

  check(f, np.bool_(pred), hpd(np.float32, seed=33), tol=TOL)


VMAPPED = {
    "solve": lambda a: jax.vmap(jnp.linalg.solve)(a, a[:, :, :1] + 1),
    "eigh": lambda a: jax.vmap(jnp.linalg.eigvalsh)(a + mH(a)),
    "svd": lambda a: jax.vmap(lambda m: jnp.linalg.svd(m, compute_uv=False))(a),
    "cholesky": lambda a: jax.vmap(jnp.linalg.cholesky)(a @ mH(a) + 4 * jnp.eye(4, dtype=a.dtype)),
    "lu": lambda a: jax.vmap(jsl.lu_factor)(a),
    "triangular_solve_in_axes": lambda a: jax.vmap(
        lambda b: jsl.solve_triangular(a[0], b, lower=True), in_axes=1, out_axes=1)(a[1]),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("name", sorted(VMAPPED))
def test_vmap(check, name, dtype):
  check(VMAPPED[name], general(dtype, (3,), seed=34), tol=TOL)


# --- float64: the double-precision kernels (MLX's CPU device) ---------------------------

F64 = {
    "solve": lambda a: jnp.linalg.solve(a, a[:, :2] + 1),
    "cholesky": lambda a: jnp.linalg.cholesky(a @ a.T + 4 * jnp.eye(4)),
    "eigh": lambda a: (lambda w, v: (w, projectors(v)))(*jnp.linalg.eigh(a + a.T)),
    "svd": lambda a: svd_invariants(*jnp.linalg.svd(a)),
    "qr": lambda a: canonical_qr(*jnp.linalg.qr(a)),
    "schur": lambda a: (lambda t, z: (z @ t @ z.T, jnp.sort(jnp.diagonal(t))))(
        *jsl.schur(a @ a.T)),
    # slogdet rather than det: MLX's CPU exp of float64 is only float32-accurate.
    "slogdet": lambda a: tuple(jnp.linalg.slogdet(a)),
    "triangular": lambda a: jsl.solve_triangular(a, a[:, :2], lower=False, trans=1),
}


@pytest.mark.parametrize("dtype", [np.float64], ids=ids([np.float64]))
@pytest.mark.parametrize("name", sorted(F64))
def test_float64(check, name, dtype):
  check(F64[name], general(dtype, seed=35), tol=(1e-9, 1e-9))
