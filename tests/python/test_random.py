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
