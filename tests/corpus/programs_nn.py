"""Corpus programs that are whole models: a transformer block, a small CNN
training step, a Flax/Optax training step and a ResNet-18 training step (the
corpus's largest artifact), each in float32 and in bfloat16."""

import jax
import jax.numpy as jnp
from jax import lax

from program import dname, prog, spec

try:  # optional: pinned in the lock, but the corpus must not need them
  import flax.linen as nn
  import optax
except ImportError:  # pragma: no cover
  nn = optax = None


def layer_norm(x, g, b):
  mu = jnp.mean(x, -1, keepdims=True)
  var = jnp.mean((x - mu) ** 2, -1, keepdims=True)
  return (x - mu) * lax.rsqrt(var + 1e-5) * g + b


def transformer_block(p, x):
  b, t, d = x.shape
  h = 2
  q, k, v = jnp.split(x @ p["qkv"], 3, axis=-1)
  split = lambda a: a.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)
  q, k, v = split(q), split(k), split(v)
  att = jnp.einsum("bhqd,bhkd->bhqk", q, k) / jnp.sqrt(jnp.float32(d // h)).astype(x.dtype)
  mask = jnp.tril(jnp.ones((t, t), bool))
  att = jax.nn.softmax(jnp.where(mask, att, jnp.finfo(x.dtype).min), axis=-1)
  y = jnp.einsum("bhqk,bhkd->bhqd", att, v).transpose(0, 2, 1, 3).reshape(b, t, d)
  x = layer_norm(x + y @ p["proj"], p["g1"], p["b1"])
  ff = jax.nn.gelu(x @ p["w1"]) @ p["w2"]
  return layer_norm(x + ff, p["g2"], p["b2"])


def transformer_params(d, dt):
  shapes = {"qkv": (d, 3 * d), "proj": (d, d), "w1": (d, 4 * d), "w2": (4 * d, d),
            "g1": (d,), "b1": (d,), "g2": (d,), "b2": (d,)}
  return {k: spec(s, dt) for k, s in shapes.items()}


def cnn_loss(p, x, y):
  h = lax.conv_general_dilated(x, p["c1"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
  h = jax.nn.relu(h + p["b1"])
  h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
  h = lax.conv_general_dilated(h, p["c2"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
  h = jax.nn.relu(h).mean(axis=(1, 2))
  logits = h @ p["w"]
  return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * y, -1))


def cnn_step(p, x, y):
  loss, g = jax.value_and_grad(cnn_loss)(p, x, y)
  return loss, jax.tree.map(lambda a, b: a - 0.1 * b, p, g)


def resnet18_step(params, state, x, y):
  """One SGD-with-momentum step of ResNet-18 (batch norm in training mode)."""

  def bn(h, name, st):
    mean = h.mean((0, 1, 2))
    var = h.var((0, 1, 2))
    new = (0.9 * st[name][0] + 0.1 * mean, 0.9 * st[name][1] + 0.1 * var)
    h = (h - mean) * lax.rsqrt(var + 1e-5) * params[name + "_g"] + params[name + "_b"]
    return h, new

  def conv(h, w, stride):
    return lax.conv_general_dilated(h, w, (stride, stride), "SAME",
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))

  def forward(params):
    new_state = {}
    h = conv(x, params["stem"], 2)
    h, new_state["stem_bn"] = bn(h, "stem_bn", state)
    h = jax.nn.relu(h)
    h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
    for stage, (c, stride) in enumerate(RESNET_STAGES):
      for blk in range(2):
        n = f"s{stage}b{blk}"
        s = stride if blk == 0 else 1
        r = h
        h = conv(h, params[n + "_c1"], s)
        h, new_state[n + "_bn1"] = bn(h, n + "_bn1", state)
        h = jax.nn.relu(h)
        h = conv(h, params[n + "_c2"], 1)
        h, new_state[n + "_bn2"] = bn(h, n + "_bn2", state)
        if n + "_proj" in params:
          r = conv(r, params[n + "_proj"], s)
        h = jax.nn.relu(h + r)
    logits = h.mean((1, 2)) @ params["fc"]
    loss = -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * y, -1))
    return loss, new_state

  (loss, new_state), g = jax.value_and_grad(forward, has_aux=True)(params)
  mom = jax.tree.map(lambda m, d: 0.9 * m + d, state["momentum"], g)
  params = jax.tree.map(lambda p, m: p - 0.01 * m, params, mom)
  new_state["momentum"] = mom
  return loss, params, new_state


RESNET_STAGES = [(64, 1), (128, 2), (256, 2), (512, 2)]


def resnet18_specs(dt):
  p = {"stem": (7, 7, 3, 64), "stem_bn_g": (64,), "stem_bn_b": (64,), "fc": (512, 10)}
  st = {"stem_bn": ((64,), (64,))}
  cin = 64
  for stage, (c, stride) in enumerate(RESNET_STAGES):
    for blk in range(2):
      n = f"s{stage}b{blk}"
      p[n + "_c1"] = (3, 3, cin if blk == 0 else c, c)
      p[n + "_c2"] = (3, 3, c, c)
      for b in ("_bn1", "_bn2"):
        p[n + b + "_g"] = (c,)
        p[n + b + "_b"] = (c,)
        st[n + b] = ((c,), (c,))
      if blk == 0 and (stride != 1 or cin != c):
        p[n + "_proj"] = (1, 1, cin, c)
    cin = c
  params = {k: spec(s, dt) for k, s in p.items()}
  state = {k: (spec(a, dt), spec(b, dt)) for k, (a, b) in st.items()}
  state["momentum"] = dict(params)
  return params, state


def flax_programs(dt):
  if nn is None:
    return

  class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train):
      x = nn.Conv(8, (3, 3), dtype=dt)(x)
      x = nn.BatchNorm(use_running_average=not train, dtype=dt)(x)
      x = nn.relu(x)
      x = nn.avg_pool(x, (2, 2), (2, 2))
      x = nn.Dropout(0.1, deterministic=not train)(x)
      x = x.reshape(x.shape[0], -1)
      x = nn.LayerNorm(dtype=dt)(nn.Dense(16, dtype=dt)(x))
      return nn.Dense(4, dtype=dt)(x)

  net = Net()
  x = jnp.zeros((2, 8, 8, 3), dt)
  variables = jax.eval_shape(lambda: net.init(jax.random.PRNGKey(0), x, False))
  tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-3))
  opt_state = jax.eval_shape(tx.init, variables["params"])

  def train_step(variables, opt_state, x, labels, key):
    def loss_fn(params):
      logits, updates = net.apply({"params": params, "batch_stats": variables["batch_stats"]},
                                  x, True, mutable=["batch_stats"], rngs={"dropout": key})
      loss = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), labels)
      return loss.mean(), updates
    (loss, updates), grads = jax.value_and_grad(loss_fn, has_aux=True)(variables["params"])
    upd, opt_state = tx.update(grads, opt_state, variables["params"])
    params = optax.apply_updates(variables["params"], upd)
    return loss, {"params": params, **updates}, opt_state

  yield prog(f"flax_train_step_{dname(dt)}", train_step, variables, opt_state,
             spec((2, 8, 8, 3), dt), spec((2,), jnp.int32), spec((2,), jnp.uint32),
             note="flax linen + optax adamw")
  yield prog(f"flax_eval_{dname(dt)}", lambda v, x: net.apply(v, x, False), variables,
             spec((2, 8, 8, 3), dt))


def programs():
  for dt in [jnp.float32, jnp.bfloat16]:
    yield prog(f"transformer_block_{dname(dt)}", transformer_block, transformer_params(32, dt),
               spec((2, 8, 32), dt))
    yield prog(f"transformer_grad_{dname(dt)}",
               jax.grad(lambda p, x: jnp.sum(transformer_block(p, x).astype(jnp.float32))),
               transformer_params(16, dt), spec((1, 4, 16), dt))
    cnn = {"c1": spec((3, 3, 1, 8), dt), "b1": spec((8,), dt), "c2": spec((3, 3, 8, 16), dt),
           "w": spec((16, 10), dt)}
    yield prog(f"cnn_train_step_{dname(dt)}", cnn_step, cnn, spec((4, 12, 12, 1), dt),
               spec((4, 10), dt))
    yield from flax_programs(dt)
    params, state = resnet18_specs(dt)
    yield prog(f"resnet18_train_step_{dname(dt)}", resnet18_step, params, state,
               spec((2, 32, 32, 3), dt), spec((2, 10), dt), note="largest artifact")
