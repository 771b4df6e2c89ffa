// stablehlo.async_start and stablehlo.async_done: JAX's psum_start(...).done()
// family (and XLA's own async wrapping) puts a computation, usually one
// collective, in async_start's isolated region; the start yields a
// !stablehlo.future of the region's results and async_done hands them out.
//
// The emitter binds one array per value, while a future may hold several
// values, so the start binds only a placeholder and the done runs the start's
// region on the start's operands. The region is isolated from above, so those
// operands are all it reads; they are still bound when the done runs, because
// both ops sit in the same block (the future cannot be returned or passed
// through control flow in any program JAX or StableHLO's verifier accepts).
// Running the work at the done rather than at the start changes nothing
// observable: MLX evaluates lazily either way, and the collectives inside are
// the one-device ones of collectives.cc.
#include <cctype>
#include <string>

#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

const ir::Op* find_definition(const ir::Region& region, ir::ValueId id);

const ir::Op* find_definition(const std::vector<ir::Op>& ops, ir::ValueId id) {
  for (const ir::Op& op : ops) {
    for (ir::ValueId r : op.results)
      if (r == id) return &op;
    for (const ir::Region& inner : op.regions)
      if (const ir::Op* found = find_definition(inner, id)) return found;
  }
  return nullptr;
}

const ir::Op* find_definition(const ir::Region& region, ir::ValueId id) {
  for (const ir::Block& b : region.blocks)
    if (const ir::Op* found = find_definition(b.ops, id)) return found;
  return nullptr;
}

Values async_start(Emitter& em, const ir::Op& op, const Values&) {
  if (op.regions.size() != 1 || op.regions[0].blocks.size() != 1)
    fail(op, "async_start needs one region of one block (malformed program)");
  if (op.results.size() != 1 || em.type_of(op.results[0]).kind != ir::Type::Kind::kFuture)
    fail(op, "async_start must yield one !stablehlo.future (malformed program)");
  return {mx::array(false)};
}

Values async_done(Emitter& em, const ir::Op& op, const Values&) {
  if (op.operands.size() != 1) fail(op, "async_done takes one future (malformed program)");
  const ir::Op* start = nullptr;
  for (const ir::Function& f : em.module().functions)
    if ((start = find_definition(f.body, op.operands[0]))) break;
  if (!start || start->name != "stablehlo.async_start")
    fail(op, "async_done's operand is not the future of an async_start in this program");
  const ir::Type& future = em.type_of(op.operands[0]);
  if (future.kind != ir::Type::Kind::kFuture || future.elements.size() != op.results.size())
    fail(op, "async_done must yield the " + std::to_string(future.elements.size()) +
                 " values its future holds, not " + std::to_string(op.results.size()) +
                 " (malformed program)");
  Values args;
  for (ir::ValueId id : start->operands) args.push_back(em.value(*start, id));
  Values out = em.run_region(start->regions.at(0), args);
  if (out.size() != op.results.size())
    fail(*start, "async_start's region returns " + std::to_string(out.size()) +
                     " values for a future of " + std::to_string(op.results.size()) +
                     " (malformed program)");
  return out;
}

// jax 0.12 spells the same pairs as custom calls ("all-reduce-start" and
// "all-reduce-done", ...) whose groups sit in a JSON string, the
// async_collective_config frontend attribute. With one device each start is
// its operand, once every group or pair is checked to name device 0 alone.
std::string collective_config(const ir::Op& op) {
  const ir::Attribute* fa = op.attr("mhlo.frontend_attributes");
  const ir::Attribute* c = fa ? fa->get("async_collective_config") : nullptr;
  if (!c || c->kind != ir::Attribute::Kind::kString)
    fail(op, "an async collective without its async_collective_config frontend attribute "
             "(malformed program)");
  return c->s;
}

// The integers of the JSON list under `key`, or nullopt-like empty+false when
// the key is absent.
bool config_ints(const std::string& json, const std::string& key, std::vector<int64_t>* out) {
  size_t at = json.find("\"" + key + "\"");
  if (at == std::string::npos) return false;
  size_t i = json.find_first_of("[0123456789-", at + key.size() + 2);
  if (i == std::string::npos) return true;
  int depth = 0;
  for (; i < json.size(); ++i) {
    char ch = json[i];
    if (ch == '[') ++depth;
    else if (ch == ']') { if (--depth <= 0) break; }
    else if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-') {
      size_t end = i + 1;
      while (end < json.size() && std::isdigit(static_cast<unsigned char>(json[end]))) ++end;
      out->push_back(std::stoll(json.substr(i, end - i)));
      i = end - 1;
      if (depth == 0) break;  // a bare number, not a list
    }
  }
  return true;
}

void check_one_device(const ir::Op& op, const std::string& json, const std::string& key) {
  std::vector<int64_t> ids;
  if (!config_ints(json, key, &ids)) return;
  for (int64_t id : ids)
    if (id != 0)
      fail(op, "its " + key + " in async_collective_config (" + json +
                   ") names device " + std::to_string(id) +
                   "; the mps plugin has one device, so map over a mesh of one device or run "
                   "the program on a backend with enough devices");
}

Values async_collective_start(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.size() != 1 || op.results.size() != 1)
    fail(op, "an async collective start takes one operand and yields one result");
  if (em.type_of(op.results[0]) != em.type_of(op.operands[0]))
    fail(op, "on one device an async collective's result has its operand's type, not " +
                 ir::to_string(em.type_of(op.results[0])));
  std::string json = collective_config(op);
  check_one_device(op, json, "replica_groups");
  check_one_device(op, json, "permutation");
  std::vector<int64_t> split;
  if (config_ints(json, "split_count", &split) && !(split.size() == 1 && split[0] == 1))
    fail(op, "its split_count in async_collective_config (" + json + ") is not 1; the mps "
             "plugin has one device");
  std::vector<int64_t> pairs;
  // A permutation without the pair (0, 0) sends the one device nothing: zeros.
  if (config_ints(json, "permutation", &pairs) && pairs.empty())
    return {mx::zeros_like(in[0], em.stream())};
  return {in[0]};
}

Values async_collective_done(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.size() != 1 || op.results.size() != 1 ||
      em.type_of(op.results[0]) != em.type_of(op.operands[0]))
    fail(op, "an async collective done takes its start's result and yields it unchanged");
  return {in[0]};
}

}  // namespace

void register_async_ops(Registry& r) {
  r.add("stablehlo.async_start", async_start);
  r.add("stablehlo.async_done", async_done);
  for (const char* kind : {"all-reduce", "all-gather", "reduce-scatter", "all-to-all",
                           "collective-permute"}) {
    r.add(custom_call_key(std::string(kind) + "-start"), async_collective_start);
    r.add(custom_call_key(std::string(kind) + "-done"), async_collective_done);
  }
}

}  // namespace applejax::lower
