// fold_constants: an elementwise op whose operands are all splat constants
// becomes a splat constant. JAX leaves such arithmetic on scalars in the
// program (jnp.var divides by `N - convert(ddof)` and selects on `N - ddof
// > 0`), and the norm patterns need the folded number.
//
// Only results that are exact: the arithmetic runs in double and
// splat_attr refuses a result the result type cannot hold exactly, so a
// folded constant is the very number the op would have computed (1/3 in
// f32 stays an op). Integer arithmetic is folded only while it cannot
// overflow; no transcendental function is folded.
#include <cmath>
#include <optional>

#include "passes/match.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {
namespace {

std::optional<double> compare(const ir::Op& op, double a, double b) {
  const ir::Attribute* d = op.attr("comparison_direction");
  if (!d) return std::nullopt;
  if (d->s == "EQ") return a == b;
  if (d->s == "NE") return a != b;
  if (d->s == "LT") return a < b;
  if (d->s == "LE") return a <= b;
  if (d->s == "GT") return a > b;
  if (d->s == "GE") return a >= b;
  return std::nullopt;
}

std::optional<double> fold(const Uses& u, const ir::Op& op, const std::vector<double>& x) {
  const ir::Type& out = u.type(op.results[0]);
  const ir::Type& in = u.type(op.operands[0]);
  bool fl = ir::is_float(out.element), in_fl = ir::is_float(in.element);
  bool small_ints = true;
  for (double v : x) small_ints = small_ints && std::abs(v) < 1e9 && v == std::floor(v);
  const std::string& n = op.name;
  if (n == "stablehlo.convert") {
    if (in_fl && !fl) return std::nullopt;  // float -> int rounding rules differ
    if (!in_fl && !fl && !small_ints) return std::nullopt;
    return x[0];
  }
  if (n == "stablehlo.compare" && x.size() == 2) return compare(op, x[0], x[1]);
  if (n == "stablehlo.select" && x.size() == 3) return x[0] != 0 ? x[1] : x[2];
  if (!fl && !(ir::is_integer(out.element) && small_ints)) return std::nullopt;
  if (n == "stablehlo.negate" && x.size() == 1) return -x[0];
  if (x.size() != 2) return std::nullopt;
  if (n == "stablehlo.add") return x[0] + x[1];
  if (n == "stablehlo.subtract") return x[0] - x[1];
  if (n == "stablehlo.multiply") return x[0] * x[1];
  if (n == "stablehlo.divide" && fl) return x[0] / x[1];
  if (n == "stablehlo.maximum" && fl) {
    if (std::isnan(x[0]) || std::isnan(x[1])) return x[0] + x[1];
    return std::fmax(x[0], x[1]);
  }
  if (n == "stablehlo.minimum" && fl) {
    if (std::isnan(x[0]) || std::isnan(x[1])) return x[0] + x[1];
    return std::fmin(x[0], x[1]);
  }
  return std::nullopt;
}

bool foldable_name(const std::string& n) {
  for (const char* f : {"stablehlo.convert", "stablehlo.compare", "stablehlo.select",
                        "stablehlo.negate", "stablehlo.add", "stablehlo.subtract",
                        "stablehlo.multiply", "stablehlo.divide", "stablehlo.maximum",
                        "stablehlo.minimum"})
    if (n == f) return true;
  return false;
}

}  // namespace

bool fold_constants(ir::Module& m) {
  return rewrite_each_op(m, 8, [](const Uses& u, Rewriter& rw, const ir::Op& op) {
    if (!foldable_name(op.name) || op.results.size() != 1 || op.operands.empty()) return;
    std::vector<double> x;
    for (ir::ValueId v : op.operands) {
      std::optional<double> s = splat_value(u, v);
      if (!s) return;
      x.push_back(*s);
    }
    std::optional<double> r = fold(u, op, x);
    // max/min of -0.0 and 0.0 is ambiguous in double; leave it to the op.
    if (!r || (*r == 0 && std::signbit(*r) != std::signbit(x[0]) &&
               (op.name == "stablehlo.maximum" || op.name == "stablehlo.minimum")))
      return;
    ir::Attribute value;
    if (!splat_attr(u.type(op.results[0]), *r, &value)) return;
    ir::Op c = make_op("stablehlo.constant", {}, op.results, op);
    c.attributes.emplace_back("value", std::move(value));
    std::vector<ir::Op> ops;
    ops.push_back(std::move(c));
    rw.replace(&op, std::move(ops));
  });
}

}  // namespace applejax::passes
