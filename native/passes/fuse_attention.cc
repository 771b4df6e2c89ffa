// fuse_attention: scaled dot-product attention onto
// mlx::core::fast::scaled_dot_product_attention (one flash-attention
// kernel on the GPU instead of two products, a softmax and the masking).
//
// Matched, after fuse_softmax has turned the softmax into one op:
//   s = dot_general(q, k)            contracting the head dim H of both,
//                                    batching any dims (batch, heads), q's
//                                    one free dim T and k's one free dim S
//   s' = s, scaled by splats (* c, / c), converted, transposed or reshaped
//        by unit dims, with at most one of
//          + bias                    (jax.nn.dot_product_attention(bias=))
//          select(causal, s, -big)   (is_causal=True, jnp.tril by hand)
//   p = softmax(s') over the S axis, then converted/transposed/reshaped
//   o = dot_general(p, v)            contracting S with v's S, batching the
//                                    same dims, v's one free dim H_v
// The forms of jax.nn.dot_product_attention (implementation "xla", grouped
// heads with one query per group) and of the hand-written einsums in
// examples/transformer.py. A causal mask must be the lower triangle of a
// square T x T (MLX's "causal" aligns the triangle to the bottom right, the
// same thing only when T == S). Masks other than causal, grouped queries
// (G > 1), T or S of 1, and mixed dtypes stay as they are.
#include <algorithm>
#include <cmath>

#include "passes/fusion.h"
#include "passes/pass.h"

namespace applejax::passes {
namespace {

// Where a dimension came from: batch pair i of the score product, a dim
// of q (lhs) or of k (rhs), or nothing (a unit dim a reshape added).
struct Label {
  char kind;  // 'b', 'q', 'k', '1'
  int64_t index;
  bool operator==(const Label&) const = default;
};
using Labels = std::vector<Label>;

std::vector<int64_t> ints_of(const ir::Op& op, const char* name) {
  const ir::Attribute* a = op.attr(name);
  return a ? a->ints() : std::vector<int64_t>{};
}

struct Dims {
  std::vector<int64_t> lb, rb, lc, rc;
};

Dims dims_of(const ir::Op& dot) {
  return {ints_of(dot, "lhs_batching_dimensions"), ints_of(dot, "rhs_batching_dimensions"),
          ints_of(dot, "lhs_contracting_dimensions"), ints_of(dot, "rhs_contracting_dimensions")};
}

std::vector<int64_t> free_dims(size_t rank, const std::vector<int64_t>& batch,
                               const std::vector<int64_t>& contract) {
  std::vector<int64_t> out;
  for (int64_t d = 0; d < static_cast<int64_t>(rank); ++d)
    if (std::find(batch.begin(), batch.end(), d) == batch.end() &&
        std::find(contract.begin(), contract.end(), d) == contract.end())
      out.push_back(d);
  return out;
}

// Labels through a transpose, a unit-dim reshape or a shape-keeping op.
std::optional<Labels> step(const Uses& u, const ir::Op& op, const Labels& in) {
  const ir::Type& from = u.type(op.operands[0]);
  const ir::Type& to = u.type(op.results[0]);
  if (op.name == "stablehlo.transpose") {
    std::vector<int64_t> p = ints_of(op, "permutation");
    if (p.size() != in.size()) return std::nullopt;
    Labels out;
    for (int64_t d : p) out.push_back(in.at(d));
    return out;
  }
  if (op.name == "stablehlo.reshape") {
    Labels out;
    size_t i = 0;
    for (int64_t n : to.shape) {
      while (i < from.shape.size() && from.shape[i] == 1 && n != 1) ++i;
      if (n == 1) {
        // A unit dim: keep the input's label when it is unit there too.
        if (i < from.shape.size() && from.shape[i] == 1) out.push_back(in[i++]);
        else out.push_back({'1', 0});
        continue;
      }
      if (i >= from.shape.size() || from.shape[i] != n) return std::nullopt;
      out.push_back(in[i++]);
    }
    while (i < from.shape.size() && from.shape[i] == 1) ++i;
    if (i != from.shape.size()) return std::nullopt;
    return out;
  }
  if (from.shape == to.shape) return in;
  return std::nullopt;
}

struct Scores {
  const ir::Op* qk = nullptr;       // the score product
  std::vector<const ir::Op*> chain;  // ops from qk's result to the softmax input, in order
  double scale = 1;
  std::optional<ir::ValueId> bias;   // added to the scores: the value and
  size_t bias_at = 0;                //   the index in chain of its add
  std::optional<ir::ValueId> mask;   // select predicate
  size_t mask_at = 0;
};

bool is_link(const std::string& n) {
  return n == "stablehlo.transpose" || n == "stablehlo.reshape" || n == "stablehlo.convert";
}

// Walks up from the softmax input to the product q . k.
std::optional<Scores> scores_of(const Uses& u, ir::ValueId v, std::vector<ir::ValueId>& internal) {
  Scores s;
  for (int depth = 0; depth < 16; ++depth) {
    const ir::Op* op = u.def(v);
    if (!op || op->results.size() != 1 || !used_once(u, v)) return std::nullopt;
    internal.push_back(v);
    if (op->name == "stablehlo.dot_general") {
      s.qk = op;
      std::reverse(s.chain.begin(), s.chain.end());
      if (s.bias) s.bias_at = s.chain.size() - 1 - s.bias_at;
      if (s.mask) s.mask_at = s.chain.size() - 1 - s.mask_at;
      return s;
    }
    s.chain.push_back(op);
    if (is_link(op->name)) {
      v = op->operands[0];
    } else if (op->name == "stablehlo.multiply" || op->name == "stablehlo.divide") {
      bool divide = op->name == "stablehlo.divide";
      std::optional<double> c = splat_value(u, op->operands[1]);
      ir::ValueId rest = op->operands[0];
      if (!c && !divide) {
        c = splat_value(u, op->operands[0]);
        rest = op->operands[1];
      }
      if (!c || *c == 0 || !std::isfinite(*c)) return std::nullopt;
      s.scale = divide ? s.scale / *c : s.scale * *c;
      v = rest;
    } else if (op->name == "stablehlo.select" && !s.mask && !s.bias) {
      std::optional<double> fill = splat_value(u, op->operands[2]);
      if (!fill || *fill > -1e30) return std::nullopt;
      s.mask = op->operands[0];
      s.mask_at = s.chain.size() - 1;
      v = op->operands[1];
    } else if (op->name == "stablehlo.add" && !s.bias && !s.mask) {
      // The scores are the operand that leads on to the product.
      auto leads = [&](ir::ValueId x) {
        const ir::Op* d = u.def(x);
        return d && (d->name == "stablehlo.dot_general" || d->name == "stablehlo.multiply" ||
                     d->name == "stablehlo.divide" || is_link(d->name));
      };
      int side = leads(op->operands[0]) ? 0 : leads(op->operands[1]) ? 1 : -1;
      if (side < 0) return std::nullopt;
      s.bias = op->operands[1 - side];
      s.bias_at = s.chain.size() - 1;
      v = op->operands[side];
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// The lower triangle of a square matrix over the dims labelled t and s:
// broadcast(compare(GE, iota 0, iota 1)) or its LE mirror.
bool is_causal(const Uses& u, ir::ValueId pred, const Labels& at, const Label& t, const Label& s) {
  const ir::Op* b = def_is(u, pred, "stablehlo.broadcast_in_dim");
  if (!b) return false;
  std::vector<int64_t> dims = ints_of(*b, "broadcast_dimensions");
  ir::ValueId m = b->operands[0];
  const ir::Op* cmp = def_is(u, m, "stablehlo.compare");
  if (!cmp || dims.size() != 2 || u.type(m).shape.size() != 2) return false;
  const ir::Attribute* dir = cmp->attr("comparison_direction");
  if (!dir) return false;
  auto iota_dim = [&](ir::ValueId v) -> int64_t {
    const ir::Op* i = def_is(u, v, "stablehlo.iota");
    const ir::Attribute* d = i ? i->attr("iota_dimension") : nullptr;
    return d ? d->i : -1;
  };
  int64_t a = iota_dim(cmp->operands[0]), c = iota_dim(cmp->operands[1]);
  // keep[i][j] = row >= column, with rows the query positions.
  bool lower = (dir->s == "GE" && a == 0 && c == 1) || (dir->s == "LE" && a == 1 && c == 0);
  if (!lower) return false;
  if (dims[0] < 0 || dims[1] < 0 || dims[0] >= static_cast<int64_t>(at.size()) ||
      dims[1] >= static_cast<int64_t>(at.size()))
    return false;
  return at[dims[0]] == t && at[dims[1]] == s;
}

std::optional<Fused> attention(const Uses& u, Rewriter& rw, const ir::Op& root) {
  if (root.operands.size() != 2) return std::nullopt;
  const ir::Type& out = u.type(root.results[0]);
  std::vector<ir::ValueId> internal;
  // Which operand is the probabilities: a softmax, through links.
  for (int p_side = 0; p_side < 2; ++p_side) {
    internal.clear();
    ir::ValueId pv = root.operands[p_side], v = root.operands[1 - p_side];
    std::vector<const ir::Op*> after;
    ir::ValueId cur = pv;
    const ir::Op* sm = nullptr;
    for (int depth = 0; depth < 8 && !sm; ++depth) {
      const ir::Op* op = u.def(cur);
      if (!op || op->results.size() != 1 || !used_once(u, cur)) break;
      internal.push_back(cur);
      if (op->name == "stablehlo.custom_call") {
        const ir::Attribute* t = op->attr("call_target_name");
        if (t && t->s == "applejax.fast.softmax") sm = op;
        break;
      }
      if (!is_link(op->name)) break;
      after.push_back(op);
      cur = op->operands[0];
    }
    if (!sm) continue;
    std::reverse(after.begin(), after.end());
    std::vector<int64_t> axes = ints_of(*sm, "axes");
    if (axes.size() != 1) continue;
    std::optional<Scores> sc = scores_of(u, sm->operands[0], internal);
    if (!sc) continue;
    const ir::Op& qk = *sc->qk;
    ir::ValueId q = qk.operands[0], k = qk.operands[1];
    const ir::Type &qt = u.type(q), &kt = u.type(k), &vt = u.type(v);
    if (qt.element != kt.element || qt.element != vt.element || out.element != qt.element ||
        !ir::is_float(qt.element))
      continue;
    Dims d = dims_of(qk);
    if (d.lc.size() != 1 || d.rc.size() != 1 || d.lb.size() != d.rb.size()) continue;
    std::vector<int64_t> lf = free_dims(qt.shape.size(), d.lb, d.lc),
                         rf = free_dims(kt.shape.size(), d.rb, d.rc);
    auto non_unit = [](const ir::Type& t, const std::vector<int64_t>& ds) {
      std::vector<int64_t> o;
      for (int64_t x : ds) if (t.shape[x] != 1) o.push_back(x);
      return o;
    };
    std::vector<int64_t> tq = non_unit(qt, lf), sk = non_unit(kt, rf);
    if (tq.size() != 1 || sk.size() != 1) continue;
    int64_t T = qt.shape[tq[0]], S = kt.shape[sk[0]], H = qt.shape[d.lc[0]];
    Label t_label{'q', tq[0]}, s_label{'k', sk[0]};
    // Labels of the product's result, then along the chain.
    Labels labels;
    for (size_t i = 0; i < d.lb.size(); ++i) labels.push_back({'b', static_cast<int64_t>(i)});
    for (int64_t x : lf) labels.push_back({'q', x});
    for (int64_t x : rf) labels.push_back({'k', x});
    bool ok = true;
    std::optional<Labels> mask_labels, bias_labels;
    for (size_t i = 0; ok && i < sc->chain.size(); ++i) {
      const ir::Op* op = sc->chain[i];
      if (sc->mask && i == sc->mask_at) mask_labels = labels;
      if (sc->bias && i == sc->bias_at) bias_labels = labels;
      std::optional<Labels> next = step(u, *op, labels);
      ok = next.has_value();
      if (ok) labels = *next;
    }
    if (!ok || axes[0] < 0 || axes[0] >= static_cast<int64_t>(labels.size()) ||
        !(labels[axes[0]] == s_label))
      continue;
    for (const ir::Op* op : after) {
      std::optional<Labels> next = step(u, *op, labels);
      if (!next) { ok = false; break; }
      labels = *next;
    }
    if (!ok) continue;
    if (sc->mask && (T != S || !is_causal(u, *sc->mask, *mask_labels, t_label, s_label))) continue;
    // The second product: p's S with v's S, the batch pairs matched up.
    Dims e = dims_of(root);
    const std::vector<int64_t>& pb = p_side == 0 ? e.lb : e.rb;
    const std::vector<int64_t>& vb = p_side == 0 ? e.rb : e.lb;
    const std::vector<int64_t>& pc = p_side == 0 ? e.lc : e.rc;
    const std::vector<int64_t>& vc = p_side == 0 ? e.rc : e.lc;
    if (pc.size() != 1 || vc.size() != 1 || !(labels.at(pc[0]) == s_label) ||
        vt.shape[vc[0]] != S)
      continue;
    std::vector<int64_t> v_batch(d.lb.size(), -1);  // v's dim for each batch label
    for (size_t j = 0; j < pb.size() && ok; ++j) {
      Label l = labels.at(pb[j]);
      if (l.kind == 'b') v_batch[l.index] = vb[j];
      else ok = vt.shape[vb[j]] == 1;
    }
    for (size_t i = 0; i < v_batch.size() && ok; ++i)
      ok = v_batch[i] >= 0 || qt.shape[d.lb[i]] == 1;
    std::vector<int64_t> pf = free_dims(labels.size(), pb, pc);
    for (int64_t x : pf) ok = ok && (labels[x] == t_label || labels[x].kind == '1' ||
                                     (labels[x].kind != 'b' && u.type(pv).shape[x] == 1));
    std::vector<int64_t> vf = non_unit(vt, free_dims(vt.shape.size(), vb, vc));
    if (!ok || vf.size() != 1 || T == 1 || S == 1) continue;
    int64_t Hv = vt.shape[vf[0]];
    // Build: q, k, v (and the bias) as [B, N, T|S, H], the kernel, and the
    // result laid out as the root's.
    std::vector<int64_t> batch_sizes;
    for (int64_t x : d.lb) batch_sizes.push_back(qt.shape[x]);
    int64_t n = batch_sizes.empty() ? 1 : batch_sizes.back(), bsz = 1;
    for (size_t i = 0; i + 1 < batch_sizes.size(); ++i) bsz *= batch_sizes[i];
    std::vector<ir::Op> ops;
    auto arrange = [&](ir::ValueId x, std::vector<int64_t> order, int64_t rows, int64_t cols) {
      const ir::Type& xt = u.type(x);
      for (int64_t a = 0; a < static_cast<int64_t>(xt.shape.size()); ++a)
        if (std::find(order.begin(), order.end(), a) == order.end()) order.push_back(a);
      std::vector<int64_t> tshape;
      for (int64_t a : order) tshape.push_back(xt.shape[a]);
      ir::ValueId moved = rw.new_value(ir::Type::tensor(xt.element, tshape));
      ir::Op tr = make_op("stablehlo.transpose", {x}, {moved}, root);
      tr.attributes.emplace_back("permutation", ints_attr(order));
      ops.push_back(std::move(tr));
      ir::ValueId shaped = rw.new_value(ir::Type::tensor(xt.element, {bsz, n, rows, cols}));
      ops.push_back(make_op("stablehlo.reshape", {moved}, {shaped}, root));
      return shaped;
    };
    std::vector<int64_t> qo(d.lb), ko(d.rb), vo;
    qo.insert(qo.end(), {tq[0], d.lc[0]});
    ko.insert(ko.end(), {sk[0], d.rc[0]});
    for (size_t i = 0; i < v_batch.size(); ++i) {
      if (v_batch[i] < 0) { ok = false; break; }
      vo.push_back(v_batch[i]);
    }
    if (!ok) continue;
    vo.insert(vo.end(), {vc[0], vf[0]});
    std::vector<ir::ValueId> operands{arrange(q, qo, T, H), arrange(k, ko, S, H), arrange(v, vo, S, Hv)};
    std::string mode = sc->mask ? "causal" : "";
    if (sc->bias) {
      // In the layout of the scores where it was added.
      const Labels& bl = *bias_labels;
      std::vector<int64_t> bo;
      for (size_t i = 0; i < d.lb.size() && ok; ++i) {
        auto it = std::find(bl.begin(), bl.end(), Label{'b', static_cast<int64_t>(i)});
        if (it == bl.end()) ok = false;
        else bo.push_back(it - bl.begin());
      }
      auto ti = std::find(bl.begin(), bl.end(), t_label), si = std::find(bl.begin(), bl.end(), s_label);
      if (!ok || ti == bl.end() || si == bl.end()) continue;
      bo.insert(bo.end(), {ti - bl.begin(), si - bl.begin()});
      ir::ValueId b = *sc->bias;
      if (u.type(b).element != qt.element) {
        // For half-float q, JAX adds the bias to float32 scores, converted
        // (then moved) from q's type: converting it back is exact.
        ir::ValueId from = b;
        const ir::Op* link = u.def(from);
        for (int hop = 0; link && hop < 4 && link->name != "stablehlo.convert" && is_link(link->name); ++hop)
          link = u.def(link->operands[0]);
        if (!link || link->name != "stablehlo.convert" ||
            u.type(link->operands[0]).element != qt.element)
          continue;  // a bias that rounding would change
        ir::Type narrow = u.type(b);
        narrow.element = qt.element;
        ir::ValueId exact = rw.new_value(narrow);
        ops.push_back(make_op("stablehlo.convert", {b}, {exact}, root));
        b = exact;
      }
      operands.push_back(arrange(b, bo, T, S));
      mode = "bias";
    }
    ir::ValueId o = rw.new_value(ir::Type::tensor(qt.element, {bsz, n, T, Hv}));
    ir::Op call = fast_call("sdpa", operands, root);
    call.results = {o};
    call.attributes.emplace_back("scale", float_attr(sc->scale));
    call.attributes.emplace_back("mask", string_attr(mode));
    ops.push_back(std::move(call));
    // The root's dims: batch pairs, then lhs free, then rhs free.
    std::vector<std::pair<char, int64_t>> root_dims;  // ('b', i) / ('t') / ('h')
    for (int64_t x : pb) root_dims.push_back(labels[x].kind == 'b' ? std::pair{'b', labels[x].index}
                                                                   : std::pair{'1', int64_t{0}});
    auto p_free = [&] {
      for (int64_t x : pf) root_dims.push_back(labels[x] == t_label ? std::pair{'t', int64_t{0}}
                                                                    : std::pair{'1', int64_t{0}});
    };
    auto v_free = [&] {
      for (int64_t x : free_dims(vt.shape.size(), vb, vc))
        root_dims.push_back(x == vf[0] ? std::pair{'h', int64_t{0}} : std::pair{'1', int64_t{0}});
    };
    if (p_side == 0) p_free(), v_free(); else v_free(), p_free();
    // Ours, without unit dims: [batch dims of size > 1..., T, Hv].
    std::vector<std::pair<char, int64_t>> ours;
    std::vector<int64_t> ours_shape;
    for (size_t i = 0; i < batch_sizes.size(); ++i)
      if (batch_sizes[i] != 1) ours.push_back({'b', static_cast<int64_t>(i)}), ours_shape.push_back(batch_sizes[i]);
    ours.push_back({'t', 0}), ours_shape.push_back(T);
    ours.push_back({'h', 0}), ours_shape.push_back(Hv);
    std::vector<int64_t> perm;
    for (auto& rd : root_dims) {
      auto it = std::find(ours.begin(), ours.end(), rd);
      if (it != ours.end()) perm.push_back(it - ours.begin());
    }
    if (perm.size() != ours.size()) continue;
    ir::ValueId flat = rw.new_value(ir::Type::tensor(qt.element, ours_shape));
    ops.push_back(make_op("stablehlo.reshape", {o}, {flat}, root));
    std::vector<int64_t> moved_shape;
    for (int64_t a : perm) moved_shape.push_back(ours_shape[a]);
    ir::ValueId moved = rw.new_value(ir::Type::tensor(qt.element, moved_shape));
    ir::Op tr = make_op("stablehlo.transpose", {flat}, {moved}, root);
    tr.attributes.emplace_back("permutation", ints_attr(perm));
    ops.push_back(std::move(tr));
    ops.push_back(make_op("stablehlo.reshape", {moved}, root.results, root));
    Fused f;
    f.ops = std::move(ops);
    f.internal = internal;
    return f;
  }
  return std::nullopt;
}

}  // namespace

bool fuse_attention(ir::Module& m) {
  return fuse_each(m, [](const Uses& u, Rewriter& rw, const ir::Op& op) -> std::optional<Fused> {
    if (op.name != "stablehlo.dot_general" || op.results.size() != 1) return std::nullopt;
    return attention(u, rw, op);
  });
}

}  // namespace applejax::passes
