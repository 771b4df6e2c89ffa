"""jax.random with the default threefry PRNG: bits, distributions, splits.

Threefry is plain integer arithmetic in the program, so results must match
the cpu backend bit for bit (floats within a few ulps from the transforms).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest


@pytest.mark.parametrize("name", ["bits", "uniform", "normal", "randint", "bernoulli",
                                  "categorical", "permutation_free_split", "truncated_normal",
                                  "gamma_free_exponential", "gumbel"])
def test_distributions(check, name):
  key = np.asarray(jax.random.key_data(jax.random.PRNGKey(42)))

  def f(k):
    k = jax.random.wrap_key_data(k)
    return {
        "bits": lambda: jax.random.bits(k, (4, 5), jnp.uint32),
        "uniform": lambda: jax.random.uniform(k, (3, 4), minval=-2.0, maxval=5.0),
        "normal": lambda: jax.random.normal(k, (100,)),
        "randint": lambda: jax.random.randint(k, (10,), -5, 17),
        "bernoulli": lambda: jax.random.bernoulli(k, 0.3, (20,)),
        "categorical": lambda: jax.random.categorical(k, jnp.log(jnp.array([0.1, 0.6, 0.3])), shape=(16,)),
        "permutation_free_split": lambda: jax.vmap(jax.random.key_data)(jax.random.split(k, 5)),
        "truncated_normal": lambda: jax.random.truncated_normal(k, -1.0, 2.0, (50,)),
        "gamma_free_exponential": lambda: jax.random.exponential(k, (30,)),
        "gumbel": lambda: jax.random.gumbel(k, (30,)),
    }[name]()

  check(f, key)


def test_dropout_mask_in_training_step(check):
  def step(key, x):
    k = jax.random.wrap_key_data(key)
    mask = jax.random.bernoulli(k, 0.9, x.shape)
    return jnp.where(mask, x / 0.9, 0.0)

  key = np.asarray(jax.random.key_data(jax.random.PRNGKey(7)))
  check(step, key, np.ones((8, 8), np.float32))


# rng_bit_generator: every algorithm, output width and shape kind (scalar,
# even, odd, zero-size, rank 3) against XLA:CPU's expansion of the op.
RBG_SHAPES = [(), (5,), (4,), (3, 4), (3, 5), (2, 3, 5), (1, 7), (0,), (3, 0)]


@pytest.mark.parametrize("algorithm", ["DEFAULT", "THREE_FRY", "PHILOX"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
@pytest.mark.parametrize("shape", RBG_SHAPES, ids=str)
def test_rng_bit_generator(check, algorithm, dtype, shape):
  alg = getattr(jax.lax.RandomAlgorithm, "RNG_" + algorithm)
  key = np.array([0x12345678, 0x9ABCDEF0, 0xFFFFFFFF, 7], np.uint32)
  check(lambda k: jax.lax.rng_bit_generator(k, shape, dtype=dtype, algorithm=alg), key)


@pytest.mark.parametrize("algorithm", ["THREE_FRY", "PHILOX"])
def test_rng_bit_generator_counter_wraps(check, algorithm):
  # Counter words at the top of their range: the 64-bit (ThreeFry) and
  # 128-bit (Philox) counter additions must carry exactly like XLA's.
  alg = getattr(jax.lax.RandomAlgorithm, "RNG_" + algorithm)
  key = np.array([5, 6, 0xFFFFFFFE, 0xFFFFFFFF], np.uint32)

  def f(k):
    k, a = jax.lax.rng_bit_generator(k, (9,), dtype=np.uint32, algorithm=alg)
    k, b = jax.lax.rng_bit_generator(k, (3, 3), dtype=np.uint32, algorithm=alg)
    return k, a, b

  check(f, key)


# The rbg and unsafe_rbg implementations draw through rng_bit_generator.
RBG_DRAWS = {
    "bits": lambda k: jax.random.bits(k, (4, 5), jnp.uint32),
    "bits8": lambda k: jax.random.bits(k, (9,), jnp.uint8),
    "uniform": lambda k: jax.random.uniform(k, (3, 4), minval=-2.0, maxval=5.0),
    "normal": lambda k: jax.random.normal(k, (33,)),
    "randint": lambda k: jax.random.randint(k, (10,), -5, 17),
    "bernoulli": lambda k: jax.random.bernoulli(k, 0.3, (20,)),
    "categorical": lambda k: jax.random.categorical(k, jnp.log(jnp.array([0.1, 0.6, 0.3])),
                                                    shape=(16,)),
    "split": lambda k: jax.vmap(jax.random.key_data)(jax.random.split(k, 5)),
    "fold_in": lambda k: jax.random.key_data(jax.random.fold_in(k, 3)),
    "permutation": lambda k: jax.random.permutation(k, 10),
    "gumbel": lambda k: jax.random.gumbel(k, (30,)),
    "dropout_step": lambda k: jnp.where(jax.random.bernoulli(k, 0.9, (8, 8)), 1 / 0.9, 0.0),
}


@pytest.mark.parametrize("impl", ["rbg", "unsafe_rbg"])
@pytest.mark.parametrize("name", sorted(RBG_DRAWS))
def test_rbg_distributions(check, impl, name):
  key = np.asarray(jax.random.key_data(jax.random.key(42, impl=impl)))

  def f(k):
    return RBG_DRAWS[name](jax.random.wrap_key_data(k, impl=impl))

  check(f, key)


# Distributions built from rejection loops, sorts and special functions.
MORE_DRAWS = {
    "gamma": lambda k: jax.random.gamma(k, jnp.array([0.5, 1.0, 3.0, 9.0]), (16, 4)),
    "beta": lambda k: jax.random.beta(k, 2.0, 5.0, (20,)),
    "dirichlet": lambda k: jax.random.dirichlet(k, jnp.array([1.0, 2.0, 3.0]), (5,)),
    "poisson_small": lambda k: jax.random.poisson(k, 3.0, (40,)),
    "poisson_large": lambda k: jax.random.poisson(k, 50.0, (40,)),
    "binomial": lambda k: jax.random.binomial(k, 20.0, 0.3, (30,)),
    "permutation_array": lambda k: jax.random.permutation(k, jnp.arange(12.0).reshape(4, 3), axis=1),
    "choice": lambda k: jax.random.choice(k, 10, (5,), replace=False),
    "choice_p": lambda k: jax.random.choice(k, 5, (8,), p=jnp.array([0.1, 0.2, 0.3, 0.2, 0.2])),
    "exponential": lambda k: jax.random.exponential(k, (30,)),
    "laplace": lambda k: jax.random.laplace(k, (30,)),
    "logistic": lambda k: jax.random.logistic(k, (30,)),
    "cauchy": lambda k: jax.random.cauchy(k, (30,)),
    "t": lambda k: jax.random.t(k, 4.0, (30,)),
    "chisquare": lambda k: jax.random.chisquare(k, 3.0, (30,)),
    "rademacher": lambda k: jax.random.rademacher(k, (30,)),
    "maxwell": lambda k: jax.random.maxwell(k, (30,)),
    "orthogonal_free_ball": lambda k: jax.random.ball(k, 3, 2, (10,)),
    "geometric": lambda k: jax.random.geometric(k, 0.3, (30,)),
    "pareto": lambda k: jax.random.pareto(k, 3.0, (30,)),
    "weibull_min": lambda k: jax.random.weibull_min(k, 1.5, 2.0, (30,)),
    "loggamma": lambda k: jax.random.loggamma(k, 0.7, (30,)),
    "triangular": lambda k: jax.random.triangular(k, 0.0, 0.3, 1.0, (30,)),
    "randint_u8": lambda k: jax.random.randint(k, (20,), 0, 200, dtype=jnp.uint8),
    "uniform_bf16": lambda k: jax.random.uniform(k, (10,), dtype=jnp.bfloat16),
    "normal_f16": lambda k: jax.random.normal(k, (10,), dtype=jnp.float16),
    # No counters to hash, and (below) enough that the cpu device compiles the program.
    "bits_empty": lambda k: jax.random.bits(k, (0,)),
    "split_none": lambda k: jax.vmap(jax.random.key_data)(jax.random.split(k, 0)),
    "normal_large": lambda k: jax.random.normal(k, (1 << 18,)),
}


# JAX implements poisson for threefry2x32 keys only.
MORE_CASES = [(impl, name) for impl in ["threefry2x32", "rbg"] for name in sorted(MORE_DRAWS)
              if not (impl == "rbg" and name.startswith("poisson"))]


@pytest.mark.parametrize("impl,name", MORE_CASES)
def test_more_distributions(check, impl, name):
  key = np.asarray(jax.random.key_data(jax.random.key(3, impl=impl)))

  def f(k):
    return MORE_DRAWS[name](jax.random.wrap_key_data(k, impl=impl))

  check(f, key, tol=(2e-5, 2e-5))
