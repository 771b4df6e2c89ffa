// fuse_norms: RMS norm and layer norm over the last axis onto
// mlx::core::fast::rms_norm / layer_norm (one kernel each on the GPU).
//
// Matched, after inline_calls/fold_constants/simplify/cse, with D the size
// of x's last axis and bcast the broadcast of a per-row value back to x:
//   mean(v)    = reduce(v) add over [last] / D        (or * (1/D))
//   rms_norm   = x * bcast(rsqrt(mean(x * x) + eps))  [* bcast(w)]
//                (the transformer example, equinox, flax's RMSNorm)
//   layer_norm = d * bcast(rsqrt(var + eps))  [* bcast(w)]  [+ bcast(b)]
//                with d = x - bcast(mean(x)) and var = mean(d * d)
//                (flax-style by hand, equinox, jnp.var once folded)
// w and b are one value per element of the last axis. The kernels only do
// the last axis; anything else stays as it is.
#include <algorithm>

#include "passes/fusion.h"
#include "passes/pass.h"

namespace applejax::passes {
namespace {

struct Row {
  std::vector<int64_t> shape;  // of the full array
  std::vector<int64_t> axes;   // {rank - 1}
};

// mean over the last axis of `full`-shaped input; returns the input.
std::optional<ir::ValueId> row_mean(const Uses& u, ir::ValueId v, const Row& row,
                                    std::vector<ir::ValueId>& internal, uint32_t uses = 1) {
  v = peel_unit_dims(u, v);
  if (u.count(v) != uses) return std::nullopt;
  // Half floats: JAX takes the mean in float32 and converts it back,
  // convert(mean(convert(x))); the kernels accumulate in float32 too.
  bool widened = false;
  if (const ir::Op* back = def_is(u, v, "stablehlo.convert")) {
    ir::ValueId wide = peel_unit_dims(u, back->operands[0]);
    ir::ElementType n = u.type(v).element, w = u.type(wide).element;
    if (!ir::is_float(n) || !ir::is_float(w) || ir::element_bit_width(w) <= ir::element_bit_width(n) ||
        !used_once(u, back->operands[0]) || !used_once(u, wide))
      return std::nullopt;
    internal.push_back(v);
    v = wide;
    widened = true;
  }
  const ir::Op* op = u.def(v);
  if (!op || op->operands.size() != 2) return std::nullopt;
  double d = static_cast<double>(product_of(row.shape, row.axes));
  ir::ValueId sum;
  if (op->name == "stablehlo.divide") {
    std::optional<double> n = splat_value(u, op->operands[1]);
    if (!n || *n != d) return std::nullopt;
    sum = op->operands[0];
  } else if (op->name == "stablehlo.multiply") {
    auto p = either(*op, [&](ir::ValueId s) {
      std::optional<double> k = splat_value(u, s);
      return k && *k == static_cast<double>(static_cast<float>(1.0 / d));
    });
    if (!p) return std::nullopt;
    sum = p->second;
  } else {
    return std::nullopt;
  }
  ir::ValueId r = peel_unit_dims(u, sum);
  std::optional<Reduction> red = reduction_of(u, r, "stablehlo.add", 0.0);
  if (!red || red->axes != row.axes || !used_once(u, r) || !used_once(u, sum)) return std::nullopt;
  internal.insert(internal.end(), {v, sum, r});
  if (!widened) return red->input;
  const ir::Op* up = def_is(u, red->input, "stablehlo.convert");
  if (!up || !used_once(u, red->input) ||
      u.type(up->operands[0]).element != u.type(internal[internal.size() - 4]).element)
    return std::nullopt;
  internal.push_back(red->input);
  return up->operands[0];
}

// bcast(rsqrt(s + eps)) over the rows of `row`: returns s and eps.
std::optional<std::pair<ir::ValueId, double>> inv_sqrt(const Uses& u, ir::ValueId v,
                                                       const Row& row,
                                                       std::vector<ir::ValueId>& internal) {
  std::optional<ir::ValueId> r = broadcast_rows(u, v, row.shape, row.axes);
  if (!r || !used_once(u, v)) return std::nullopt;
  ir::ValueId t = peel_unit_dims(u, *r);
  const ir::Op* rsqrt = def_is(u, t, "stablehlo.rsqrt");
  if (!rsqrt || !used_once(u, t)) return std::nullopt;
  ir::ValueId sum = peel_unit_dims(u, rsqrt->operands[0]);
  const ir::Op* add = def_is(u, sum, "stablehlo.add");
  if (!add || !used_once(u, sum)) return std::nullopt;
  std::optional<double> eps;
  auto p = either(*add, [&](ir::ValueId s) { return (eps = splat_value(u, s)).has_value(); });
  if (!p || *eps < 0) return std::nullopt;
  internal.insert(internal.end(), {v, *r, t, sum});
  // max(0, var), as equinox and flax clamp it: the kernel's variance is
  // never negative, so the clamp is already part of it.
  ir::ValueId var = peel_unit_dims(u, p->second);
  if (const ir::Op* clamp = def_is(u, var, "stablehlo.maximum"); clamp && used_once(u, var)) {
    auto q = either(*clamp, [&](ir::ValueId z) {
      std::optional<double> c = splat_value(u, z);
      return c && *c == 0;
    });
    if (q) {
      internal.push_back(var);
      var = q->second;
    }
  }
  return std::pair{var, *eps};
}

// bcast(w) with w one value per element of the last axis: returns w,
// reshaped to [D] by an op added to `pre` when it has unit dims.
std::optional<ir::ValueId> row_weight(const Uses& u, Rewriter& rw, ir::ValueId v, const Row& row,
                                      const ir::Op& root, std::vector<ir::Op>& pre) {
  const ir::Op* b = def_is(u, v, "stablehlo.broadcast_in_dim");
  if (!b || u.type(v).shape != row.shape) return std::nullopt;
  ir::ValueId w = b->operands[0];
  const ir::Type& wt = u.type(w);
  const ir::Attribute* dims = b->attr("broadcast_dimensions");
  int64_t last = static_cast<int64_t>(row.shape.size()) - 1, n = row.shape.back();
  if (!dims || !wt.is_tensor() || wt.num_elements() != n) return std::nullopt;
  std::vector<int64_t> d = dims->ints();
  for (size_t i = 0; i < d.size(); ++i)
    if (wt.shape[i] != 1 && d[i] != last) return std::nullopt;
  if (n != 1 && (d.empty() || std::find(d.begin(), d.end(), last) == d.end())) return std::nullopt;
  if (wt.shape.size() == 1) return w;
  ir::ValueId flat = rw.new_value(ir::Type::tensor(wt.element, {n}));
  pre.push_back(make_op("stablehlo.reshape", {w}, {flat}, root));
  return flat;
}

// n = x * bcast(rsqrt(mean(x*x) + eps)), either order.
struct Normed {
  ir::ValueId x;
  double eps;
  bool layer;  // layer norm (x is the input before centring)
  std::vector<ir::ValueId> internal;
  std::optional<ir::ValueId> weight = {};  // flax: d * (bcast(rsqrt(var + eps)) * bcast(w))
};

std::optional<Normed> rms_core(const Uses& u, const ir::Op& mul, const Row& row) {
  for (int side = 0; side < 2; ++side) {
    ir::ValueId x = mul.operands[side], scale = mul.operands[1 - side];
    std::vector<ir::ValueId> internal;
    auto inv = inv_sqrt(u, scale, row, internal);
    if (!inv) continue;
    std::optional<ir::ValueId> sq = row_mean(u, inv->first, row, internal);
    if (!sq) continue;
    const ir::Op* square = def_is(u, *sq, "stablehlo.multiply");
    if (!square || square->operands[0] != x || square->operands[1] != x || !used_once(u, *sq))
      continue;
    internal.push_back(*sq);
    return Normed{x, inv->second, false, internal};
  }
  return std::nullopt;
}

// d * bcast(rsqrt(var + eps)) [* bcast(w) inside] with d = x - bcast(m),
// m = mean(x), and var either mean(d * d) (two passes) or
// mean(x * x) - m * m (flax's use_fast_variance).
std::optional<Normed> layer_core(const Uses& u, Rewriter& rw, const ir::Op& mul, const Row& row,
                                 const ir::Op& root, std::vector<ir::Op>& pre) {
  for (int side = 0; side < 2; ++side) {
    ir::ValueId d = mul.operands[side], scale = mul.operands[1 - side];
    const ir::Op* centred = def_is(u, d, "stablehlo.subtract");
    if (!centred) continue;
    ir::ValueId x = centred->operands[0];
    std::vector<ir::ValueId> internal;
    std::optional<ir::ValueId> mean_row =
        broadcast_rows(u, centred->operands[1], row.shape, row.axes);
    if (!mean_row || !used_once(u, centred->operands[1])) continue;
    ir::ValueId m = peel_unit_dims(u, *mean_row);
    // The scale: bcast(rsqrt(...)), or that times bcast(w).
    std::optional<ir::ValueId> weight;
    size_t pre_size = pre.size();
    auto inv = inv_sqrt(u, scale, row, internal);
    if (!inv) {
      const ir::Op* mw = def_is(u, scale, "stablehlo.multiply");
      for (int s2 = 0; mw && s2 < 2 && !inv; ++s2) {
        std::vector<ir::ValueId> tried;
        auto i = inv_sqrt(u, mw->operands[s2], row, tried);
        auto w = i ? row_weight(u, rw, mw->operands[1 - s2], row, root, pre) : std::nullopt;
        if (i && w && used_once(u, scale)) {
          inv = i, weight = w;
          internal.insert(internal.end(), tried.begin(), tried.end());
          internal.push_back(scale);
        } else {
          pre.resize(pre_size);
        }
      }
    }
    if (!inv) continue;
    bool ok = false;
    uint32_t mean_uses = 1;
    if (auto sq = row_mean(u, inv->first, row, internal)) {
      // Two passes: d itself, read three times (twice by d*d).
      const ir::Op* square = def_is(u, *sq, "stablehlo.multiply");
      ok = square && square->operands[0] == d && square->operands[1] == d && used_once(u, *sq) &&
           u.count(d) == 3;
      if (ok) internal.push_back(*sq);
    } else if (const ir::Op* diff = def_is(u, inv->first, "stablehlo.subtract")) {
      // One pass: mean(x*x) - m*m.
      auto sq = row_mean(u, diff->operands[0], row, internal);
      const ir::Op* square = sq ? def_is(u, *sq, "stablehlo.multiply") : nullptr;
      const ir::Op* m2 = def_is(u, peel_unit_dims(u, diff->operands[1]), "stablehlo.multiply");
      ok = square && square->operands[0] == x && square->operands[1] == x && used_once(u, *sq) &&
           m2 && peel_unit_dims(u, m2->operands[0]) == m && peel_unit_dims(u, m2->operands[1]) == m &&
           used_once(u, inv->first) && used_once(u, d);
      if (ok) {
        internal.insert(internal.end(), {*sq, inv->first, diff->operands[1]});
        mean_uses = 3;
      }
    }
    if (!ok) {
      pre.resize(pre_size);
      continue;
    }
    std::optional<ir::ValueId> mean_of = row_mean(u, *mean_row, row, internal, mean_uses);
    if (!mean_of || *mean_of != x) {
      pre.resize(pre_size);
      continue;
    }
    internal.insert(internal.end(), {d, centred->operands[1]});
    Normed n{x, inv->second, true, internal};
    n.weight = weight;
    return n;
  }
  return std::nullopt;
}

std::optional<Normed> core(const Uses& u, Rewriter& rw, ir::ValueId v, const Row& row,
                           const ir::Op& root, std::vector<ir::Op>& pre) {
  const ir::Op* mul = def_is(u, v, "stablehlo.multiply");
  if (!mul) return std::nullopt;
  if (auto n = layer_core(u, rw, *mul, row, root, pre)) return n;
  return rms_core(u, *mul, row);
}

std::optional<Fused> norm(const Uses& u, Rewriter& rw, const ir::Op& root) {
  const ir::Type& t = u.type(root.results[0]);
  if (!t.is_tensor() || !ir::is_float(t.element) || t.shape.empty()) return std::nullopt;
  Row row{t.shape, {static_cast<int64_t>(t.shape.size()) - 1}};
  std::vector<ir::Op> pre;
  std::optional<ir::ValueId> weight, bias;
  std::optional<Normed> n;
  std::vector<ir::ValueId> internal;
  ir::ValueId v = root.results[0];
  // Peel `+ bcast(b)` then `* bcast(w)`, trying the plain core at each step.
  if (root.name == "stablehlo.add") {
    for (int side = 0; side < 2 && !n; ++side) {
      ir::ValueId inner = root.operands[side];
      auto b = row_weight(u, rw, root.operands[1 - side], row, root, pre);
      if (!b || !used_once(u, inner)) {
        pre.clear();
        continue;
      }
      const ir::Op* mw = def_is(u, inner, "stablehlo.multiply");
      for (int s2 = 0; mw && s2 < 2 && !n; ++s2) {
        size_t before = pre.size();
        auto w = row_weight(u, rw, mw->operands[1 - s2], row, root, pre);
        if (w && used_once(u, mw->operands[s2]) && (n = core(u, rw, mw->operands[s2], row, root, pre)) && n->layer) {
          weight = w;
          internal.push_back(mw->operands[s2]);
        } else {
          n.reset();
          pre.resize(before);
        }
      }
      if (!n && (n = core(u, rw, inner, row, root, pre)) && !n->layer) n.reset();
      if (n) {
        bias = b;
        internal.push_back(inner);
      } else {
        pre.clear();
      }
    }
    if (!n) return std::nullopt;
  } else if (root.name == "stablehlo.multiply") {
    // Unweighted core first; else core * bcast(w).
    n = core(u, rw, v, row, root, pre);
    for (int side = 0; side < 2 && !n; ++side) {
      auto w = row_weight(u, rw, root.operands[1 - side], row, root, pre);
      if (w && used_once(u, root.operands[side]) && (n = core(u, rw, root.operands[side], row, root, pre))) {
        weight = w;
        internal.push_back(root.operands[side]);
      } else {
        n.reset();
        pre.clear();
      }
    }
    if (!n) return std::nullopt;
  } else {
    return std::nullopt;
  }
  internal.insert(internal.end(), n->internal.begin(), n->internal.end());
  if (n->weight) {
    if (weight) return std::nullopt;  // weighted twice: not one kernel
    weight = n->weight;
  }
  std::vector<ir::ValueId> operands{n->x};
  std::string inputs = "x";
  if (weight) operands.push_back(*weight), inputs += "w";
  if (bias) operands.push_back(*bias), inputs += "b";
  ir::Op op = fast_call(n->layer ? "layer_norm" : "rms_norm", operands, root);
  op.attributes.emplace_back("eps", float_attr(n->eps));
  op.attributes.emplace_back("inputs", string_attr(inputs));
  Fused f;
  f.ops = std::move(pre);
  f.ops.push_back(std::move(op));
  f.internal = std::move(internal);
  return f;
}

}  // namespace

bool fuse_norms(ir::Module& m) {
  return fuse_each(m, [](const Uses& u, Rewriter& rw, const ir::Op& op) -> std::optional<Fused> {
    if (op.results.size() != 1 || op.operands.size() != 2) return std::nullopt;
    return norm(u, rw, op);
  });
}

}  // namespace applejax::passes
