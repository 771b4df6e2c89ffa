// stablehlo.sort with any comparator.
//
// The comparator is a region written for scalars, so the sort runs as a
// bitonic sorting network along the sort dimension: every compare-exchange
// step evaluates the comparator elementwise on whole arrays (one graph node
// per op, log²n steps), which works for every comparator JAX emits —
// multiple keys, descending orders, NaN-aware float orders.
//
// A network is not stable, so ties are broken by the original position,
// which turns the comparator into a strict total order whose only sorted
// arrangement is the stable one. The dimension is padded to a power of two
// with elements that order after everything else.
#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

struct Lanes {
  Values operands;    // the sorted arrays
  mx::array index;    // original position, the tie-breaker
  mx::array padding;  // true for the elements added to reach a power of two
};

class Network {
 public:
  Network(Emitter& em, const ir::Op& op) : em_(em), op_(op), s_(em.stream()) {}

  // comparator(a, b) || (!comparator(b, a) && a.index < b.index), with
  // padding ordered last.
  mx::array before(const Lanes& a, const Lanes& b) {
    mx::array ab = compare(a, b), ba = compare(b, a);
    mx::array tie = mx::logical_and(mx::logical_not(ba, s_), mx::less(a.index, b.index, s_), s_);
    mx::array real = mx::logical_or(ab, tie, s_);
    mx::array b_pad_only = mx::logical_and(b.padding, mx::logical_not(a.padding, s_), s_);
    mx::array both_real = mx::logical_not(mx::logical_or(a.padding, b.padding, s_), s_);
    mx::array both_pad = mx::logical_and(a.padding, b.padding, s_);
    mx::array by_index = mx::logical_and(both_pad, mx::less(a.index, b.index, s_), s_);
    return mx::logical_or(mx::logical_or(b_pad_only, mx::logical_and(both_real, real, s_), s_),
                          by_index, s_);
  }

 private:
  mx::array compare(const Lanes& a, const Lanes& b) {
    Values args;
    for (size_t i = 0; i < a.operands.size(); ++i) {
      args.push_back(a.operands[i]);
      args.push_back(b.operands[i]);
    }
    Values r = em_.run_region_elementwise(op_.regions[0], args);
    if (r.size() != 1 || r[0].dtype() != mx::bool_)
      fail(op_, "the sort comparator must return one boolean");
    return r[0];
  }

  Emitter& em_;
  const ir::Op& op_;
  mx::StreamOrDevice s_;
};

// Selects between two lanes elementwise.
Lanes choose(const mx::array& pick_first, const Lanes& a, const Lanes& b, mx::StreamOrDevice s) {
  Lanes out{{}, mx::where(pick_first, a.index, b.index, s),
            mx::where(pick_first, a.padding, b.padding, s)};
  for (size_t i = 0; i < a.operands.size(); ++i)
    out.operands.push_back(mx::where(pick_first, a.operands[i], b.operands[i], s));
  return out;
}

// Applies f to every array of the lanes.
template <typename F>
Lanes map(const Lanes& l, F f) {
  Lanes out{{}, f(l.index), f(l.padding)};
  for (const mx::array& a : l.operands) out.operands.push_back(f(a));
  return out;
}

Values sort(Emitter& em, const ir::Op& op, const Values& in) {
  auto s = em.stream();
  if (in.empty() || op.regions.size() != 1) fail(op, "sort needs operands and a comparator");
  int rank = static_cast<int>(in[0].ndim());
  int64_t dim = int_attr(op, "dimension");
  if (dim < 0) dim += rank;
  if (dim < 0 || dim >= rank) fail(op, "sort dimension out of range");
  int n = in[0].shape(static_cast<int>(dim));
  if (n <= 1) return in;

  // Move the sort dimension last and pad it to a power of two.
  std::vector<int> perm, inverse(rank);
  for (int d = 0; d < rank; ++d)
    if (d != dim) perm.push_back(d);
  perm.push_back(static_cast<int>(dim));
  for (int d = 0; d < rank; ++d) inverse[perm[d]] = d;
  int width = 1;
  while (width < n) width *= 2;
  mx::Shape shape = mx::transpose(in[0], perm, s).shape();
  mx::Shape full = shape;
  full.back() = width;

  Lanes lanes{{}, mx::broadcast_to(mx::arange(width, mx::int32, s), full, s),
              mx::broadcast_to(mx::greater_equal(mx::arange(width, mx::int32, s),
                                                 mx::array(n), s),
                               full, s)};
  for (const mx::array& x : in) {
    mx::array t = mx::transpose(x, perm, s);
    if (width > n) {
      mx::Shape pad_shape = shape;
      pad_shape.back() = width - n;
      t = mx::concatenate({t, mx::zeros(pad_shape, t.dtype(), s)}, -1, s);
    }
    lanes.operands.push_back(t);
  }

  Network net(em, op);
  mx::Shape outer(shape.begin(), shape.end() - 1);
  for (int k = 2; k <= width; k *= 2) {
    for (int j = k / 2; j >= 1; j /= 2) {
      // Pairs (i, i + j) for i with bit j clear: view the axis as
      // [width / 2j, 2, j]; half 0 is i, half 1 its partner.
      mx::Shape split = outer;
      split.insert(split.end(), {width / (2 * j), 2, j});
      auto half = [&](const mx::array& a, int h) {
        mx::array v = mx::reshape(a, split, s);
        mx::Shape start(split.size(), 0), stop = split;
        start[split.size() - 2] = h;
        stop[split.size() - 2] = h + 1;
        return mx::squeeze(mx::slice(v, start, stop, s), {static_cast<int>(split.size()) - 2}, s);
      };
      Lanes lo = map(lanes, [&](const mx::array& a) { return half(a, 0); });
      Lanes hi = map(lanes, [&](const mx::array& a) { return half(a, 1); });
      // Bitonic direction: ascending where bit k of the position is clear.
      mx::Shape pos_shape = {width / (2 * j), j};
      mx::array pos = mx::add(mx::reshape(mx::multiply(mx::arange(width / (2 * j), mx::int32, s),
                                                       mx::array(2 * j), s),
                                          {width / (2 * j), 1}, s),
                              mx::reshape(mx::arange(j, mx::int32, s), {1, j}, s), s);
      mx::array ascending =
          mx::equal(mx::bitwise_and(pos, mx::array(k), s), mx::array(0), s);
      mx::array hi_first = net.before(hi, lo);
      mx::array lo_first = net.before(lo, hi);
      mx::array swap = mx::where(ascending, hi_first, lo_first, s);
      Lanes new_lo = choose(swap, hi, lo, s);
      Lanes new_hi = choose(swap, lo, hi, s);
      auto join = [&](const mx::array& a, const mx::array& b) {
        return mx::reshape(mx::stack({a, b}, static_cast<int>(split.size()) - 2, s), full, s);
      };
      lanes.index = join(new_lo.index, new_hi.index);
      lanes.padding = join(new_lo.padding, new_hi.padding);
      for (size_t i = 0; i < lanes.operands.size(); ++i)
        lanes.operands[i] = join(new_lo.operands[i], new_hi.operands[i]);
    }
  }

  Values out;
  for (const mx::array& t : lanes.operands) {
    mx::Shape start(full.size(), 0), stop = full;
    stop.back() = n;
    out.push_back(mx::transpose(mx::slice(t, start, stop, s), inverse, s));
  }
  return out;
}

}  // namespace

void register_sort(Registry& r) { r.add("stablehlo.sort", sort); }

}  // namespace applejax::lower
