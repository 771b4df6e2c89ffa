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
