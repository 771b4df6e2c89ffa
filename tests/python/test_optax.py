"""Optax optimisers, schedules and gradient transformations on mps vs cpu:
a few jitted steps of a small two-layer classifier; the per-step losses, the
parameters and the whole optimiser state (moments, step counts, schedule
state) must agree."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from conftest import assert_same

STEPS = 5
TOL = (1e-4, 1e-6)


def _schedule_cases():
  return {
      "sgd_exponential_decay": optax.sgd(
          optax.exponential_decay(0.1, transition_steps=2, decay_rate=0.5, staircase=True)),
      "sgd_momentum_warmup_cosine": optax.sgd(
          optax.warmup_cosine_decay_schedule(0.0, 0.2, warmup_steps=2, decay_steps=5),
          momentum=0.9),
      "sgd_nesterov_piecewise_constant": optax.sgd(
          optax.piecewise_constant_schedule(0.1, {2: 0.5, 4: 0.1}), momentum=0.9, nesterov=True),
      "sgd_onecycle": optax.sgd(optax.cosine_onecycle_schedule(5, 0.3)),
      "sgd_linear_join": optax.sgd(
          optax.join_schedules([optax.linear_schedule(0.0, 0.1, 2),
                                optax.constant_schedule(0.05)], [2])),
      "adam_inject_hyperparams": optax.inject_hyperparams(optax.adam)(
          learning_rate=optax.polynomial_schedule(1e-2, 1e-3, power=2, transition_steps=4)),
  }


def _optimizer_cases():
  return {
      "sgd": optax.sgd(0.1),
      "adam": optax.adam(1e-2),
      "adamw": optax.adamw(1e-2, weight_decay=0.1),
      "adam_amsgrad": optax.amsgrad(1e-2),
      "nadam": optax.nadam(1e-2),
      "radam": optax.radam(1e-2),
      "adamax": optax.adamax(1e-2),
      "adabelief": optax.adabelief(1e-2),
      "adagrad": optax.adagrad(1e-1),
      "adafactor": optax.adafactor(1e-2),
      "rmsprop_centered_momentum": optax.rmsprop(1e-2, centered=True, momentum=0.9),
      "lamb": optax.lamb(1e-2),
      "lars": optax.lars(1e-1),
      "lion": optax.lion(1e-3),
      "novograd": optax.novograd(1e-2),
      "yogi": optax.yogi(1e-2),
      "sm3": optax.sm3(1e-1),
  }


def _transform_cases():
  decay_mask = lambda params: jax.tree.map(lambda p: p.ndim > 1, params)
  return {
      "clip_by_global_norm_adam": optax.chain(optax.clip_by_global_norm(0.5), optax.adam(1e-2)),
      "clip_by_value_sgd": optax.chain(optax.clip(0.05), optax.sgd(0.1)),
      "adaptive_grad_clip_sgd": optax.chain(optax.adaptive_grad_clip(0.01), optax.sgd(0.1)),
      "masked_weight_decay_adam": optax.chain(
          optax.masked(optax.add_decayed_weights(0.1), decay_mask), optax.adam(1e-2)),
      "multisteps_accumulate_2": optax.MultiSteps(optax.adam(1e-2), every_k_schedule=2),
      "zero_nans_apply_if_finite": optax.chain(
          optax.zero_nans(), optax.apply_if_finite(optax.sgd(0.1), max_consecutive_errors=2)),
      "ema_of_updates_sgd": optax.chain(optax.ema(0.9), optax.sgd(0.1)),
      "lookahead_adam": optax.lookahead(optax.adam(1e-2), sync_period=2, slow_step_size=0.5),
  }


CASES = {**_optimizer_cases(), **_schedule_cases(), **_transform_cases()}


def _problem():
  rng = np.random.default_rng(0)
  params = {
      "w1": rng.standard_normal((8, 16)).astype(np.float32) * 0.5,
      "b1": np.zeros(16, np.float32),
      "w2": rng.standard_normal((16, 3)).astype(np.float32) * 0.5,
  }
  x = rng.standard_normal((32, 8)).astype(np.float32)
  y = rng.integers(0, 3, 32).astype(np.int32)
  return params, x, y


def _loss(params, x, y):
  logits = jnp.tanh(x @ params["w1"] + params["b1"]) @ params["w2"]
  return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _run(tx, device, params, x, y, lookahead=False):
  if lookahead:  # lookahead keeps fast and slow copies of the parameters
    params = optax.LookaheadParams.init_synced(params)
  params, x, y = jax.device_put((params, x, y), device)
  state = jax.jit(tx.init)(params)

  @jax.jit
  def step(params, state):
    fast = params.fast if lookahead else params
    loss, grads = jax.value_and_grad(_loss)(fast, x, y)
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss

  losses = []
  for _ in range(STEPS):
    params, state, loss = step(params, state)
    losses.append(loss)
  return losses, params, state


@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_steps_match_cpu(name, mps, cpu):
  tx = CASES[name]
  params, x, y = _problem()
  lookahead = name.startswith("lookahead")
  got = _run(tx, mps, params, x, y, lookahead)
  want = _run(tx, cpu, params, x, y, lookahead)
  for leaf in jax.tree.leaves(got):
    assert leaf.devices() == {mps}
  assert_same(got, want, TOL)


def test_apply_if_finite_skips_a_nan_gradient(mps, cpu):
  """A non-finite gradient must be counted and skipped the same way."""
  tx = optax.apply_if_finite(optax.adam(1e-2), max_consecutive_errors=3)

  def run(device):
    params = jax.device_put({"w": np.ones(4, np.float32)}, device)
    state = tx.init(params)
    step = jax.jit(lambda p, s, g: tx.update({"w": g}, s, p))
    out = []
    for g in ([0.1, 0.2, 0.3, 0.4], [np.nan, 0.0, 0.0, 0.0], [0.4, 0.3, 0.2, 0.1]):
      updates, state = step(params, state, jax.device_put(np.float32(g), device))
      params = optax.apply_updates(params, updates)
      out.append((params, state.notfinite_count, state.total_notfinite))
    return out

  got, want = run(mps), run(cpu)
  assert_same(got, want, TOL)
  assert int(got[-1][2]) == 1
