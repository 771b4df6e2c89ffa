"""Lowering rules JAX needs for the `mps` platform.

JAX has lowering rules for its linalg primitives only on cpu/cuda/rocm (they
call LAPACK or cuSOLVER through FFI custom calls). For `mps` these rules emit
`stablehlo.custom_call @applejax.<name>` instead; the plugin runs them with
LAPACK on MLX's CPU stream (native/lower/linalg_*.cc). Each custom call takes
row-major operands with batch dimensions in front and returns exactly the
primitive's outputs (no LAPACK `info`: a failed batch item comes back as NaN,
as on the cpu backend). Flags travel in backend_config as "key=value,...".

Primitives whose generic JAX lowering already works on any platform keep it:
cholesky and triangular_solve (StableHLO ops the plugin lowers), geqrf and
householder_product (the `Qr` and `ProductOfElementaryHouseholderReflectors`
custom calls the plugin handles), ormqr, lu_pivots_to_permutation,
tridiagonal_solve, cholesky_update (plain JAX code).
"""

from __future__ import annotations

PLATFORM = "mps"


def _ir_type(ctx, aval):
  """The IR type of an aval. From jax 0.10.1 on, aval_to_ir_type takes the
  module context first; before, the aval alone."""
  import inspect

  from jax._src.interpreters import mlir

  if len(inspect.signature(mlir.aval_to_ir_type).parameters) >= 2:
    return mlir.aval_to_ir_type(ctx.module_context, aval)
  return mlir.aval_to_ir_type(aval)


def _call(ctx, target, operands, avals_out, **config):
  from jax._src.interpreters import mlir

  result_types = [_ir_type(ctx, a) for a in avals_out]
  backend_config = ",".join(f"{k}={int(v)}" for k, v in sorted(config.items()))
  op = mlir.custom_call(target, result_types=result_types, operands=list(operands),
                        backend_config=backend_config)
  return list(op.results)


def _lu(ctx, operand):
  return _call(ctx, "applejax.lu", [operand], ctx.avals_out)


def _geqp3(ctx, a, jpvt, *, use_magma):
  del use_magma  # a GPU-only choice
  return _call(ctx, "applejax.geqp3", [a, jpvt], ctx.avals_out)


def _eigh(ctx, operand, *, lower, sort_eigenvalues, subset_by_index, algorithm):
  from jax._src.lax import linalg

  del sort_eigenvalues  # LAPACK's syevd/heevd always sort
  n = ctx.avals_in[0].shape[-1]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
    raise NotImplementedError("subset_by_index is not supported on mps (nor on cpu)")
  if algorithm in (linalg.EighImplementation.QDWH, linalg.EighImplementation.JACOBI):
    raise NotImplementedError(f"eigh algorithm {algorithm} is not supported on mps; "
                              "leave algorithm unset (LAPACK syevd/heevd)")
  return _call(ctx, "applejax.eigh", [operand], ctx.avals_out, lower=lower)


def _eig(ctx, operand, *, compute_left_eigenvectors, compute_right_eigenvectors,
         implementation=None, enable_eigvec_derivs=False):
  from jax._src.lax import linalg

  del enable_eigvec_derivs  # only changes the jvp rule (jax >= 0.10.1 has it)
  if implementation and implementation != linalg.EigImplementation.LAPACK:
    raise ValueError("Only the lapack implementation of eig is supported on mps.")
  return _call(ctx, "applejax.eig", [operand], ctx.avals_out,
               left=compute_left_eigenvectors, right=compute_right_eigenvectors)


def _schur(ctx, operand, *, compute_schur_vectors, sort_eig_vals, select_callable):
  del select_callable
  if sort_eig_vals:
    raise NotImplementedError("sorting Schur eigenvalues is not supported on mps (nor on cpu)")
  return _call(ctx, "applejax.schur", [operand], ctx.avals_out, vectors=compute_schur_vectors)


def _hessenberg(ctx, operand):
  return _call(ctx, "applejax.hessenberg", [operand], ctx.avals_out)


def _tridiagonal(ctx, operand, *, lower):
  return _call(ctx, "applejax.tridiagonal", [operand], ctx.avals_out, lower=lower)


def _svd(ctx, operand, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  from jax._src.interpreters import mlir
  from jax._src.lax import linalg

  m, n = ctx.avals_in[0].shape[-2:]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, min(m, n))):
    raise NotImplementedError("subset_by_index is not supported on mps (nor on cpu)")
  if m == 0 or n == 0:
    return mlir.lower_fun(linalg._empty_svd, multiple_results=True)(
        ctx, operand, full_matrices=full_matrices, compute_uv=compute_uv)
  # DIVIDE_AND_CONQUER exists from jax 0.10.0 on; before, DEFAULT meant gesdd.
  gesdd = (None, linalg.SvdAlgorithm.DEFAULT,
           getattr(linalg.SvdAlgorithm, "DIVIDE_AND_CONQUER", linalg.SvdAlgorithm.DEFAULT))
  if algorithm in gesdd:
    code = 0  # gesdd, as on cpu
  elif algorithm == linalg.SvdAlgorithm.QR:
    code = 1  # gesvd
  else:
    raise NotImplementedError(f"svd algorithm {algorithm} is not supported on mps (nor on cpu)")
  return _call(ctx, "applejax.svd", [operand], ctx.avals_out, full_matrices=full_matrices,
               compute_uv=compute_uv, algorithm=code)


def register() -> None:
  """Registers the platform's lowering rules with JAX."""
  from jax._src.interpreters import mlir
  from jax._src.lax import linalg

  rules = {
      linalg.lu_p: _lu,
      linalg.geqp3_p: _geqp3,
      linalg.eigh_p: _eigh,
      linalg.eig_p: _eig,
      linalg.schur_p: _schur,
      linalg.hessenberg_p: _hessenberg,
      linalg.tridiagonal_p: _tridiagonal,
      linalg.svd_p: _svd,
  }
  for primitive, rule in rules.items():
    mlir.register_lowering(primitive, rule, platform=PLATFORM)
