#include "passes/pipeline.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <unordered_set>

#include "ir/printer.h"
#include "passes/pass.h"

namespace applejax::passes {
namespace {

// The passes by name, in their default order.
constexpr Pass kPasses[] = {
    {"inline_calls", inline_calls}, {"fold_constants", fold_constants},
    {"simplify", simplify},         {"cse", cse},
    {"dce", dce},                   {"fuse_softmax", fuse_softmax},
    {"fuse_norms", fuse_norms},     {"fuse_addmm", fuse_addmm},
    {"fuse_attention", fuse_attention}, {"fold_dynamic_shapes", fold_dynamic_shapes},
    {"drop_memory_placement", drop_memory_placement},
};
// The order they run in: clean-up first so the fusions see one canonical
// form (inlined, folded, wrappers gone, repeats merged, and no dead reader
// left to spoil a single-use check); dce again to drop what the fusions
// replaced. Shapes go static and memory-kind annotations go right after
// inlining, so every later pass (and the lowering) sees neither. Indices
// into kPasses.
constexpr size_t kOrder[] = {0, 9, 10, 1, 2, 3, 4, 5, 8, 6, 7, 4};

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

[[noreturn]] void bad_setting(std::string_view value, std::string_view why) {
  std::string names;
  for (const Pass& p : kPasses) names += (names.empty() ? "" : ", ") + std::string(p.name);
  throw std::runtime_error("APPLEJAX_PASSES='" + std::string(value) + "': " + std::string(why) +
                           ". Use unset (all passes), 'none', '-name,...' (all but these) or "
                           "'only:name,...'; passes: " + names);
}

// Which passes run: unset, "none", "-a,-b" or "only:a,b".
std::vector<bool> chosen() {
  std::vector<bool> on(std::size(kPasses), true);
  const char* env = std::getenv("APPLEJAX_PASSES");
  if (!env || !*env) return on;
  std::string_view v(env);
  if (v == "none") return std::vector<bool>(on.size(), false);
  bool only = v.starts_with("only:");
  if (only) {
    on.assign(on.size(), false);
    v.remove_prefix(5);
  }
  for (std::string_view name : split(v)) {
    bool off = name.starts_with('-');
    if (off == only) bad_setting(env, only ? "'only:' takes plain names" : "each name needs a '-'");
    if (off) name.remove_prefix(1);
    size_t i = 0;
    while (i < std::size(kPasses) && kPasses[i].name != name) ++i;
    if (i == std::size(kPasses)) bad_setting(env, "no pass named '" + std::string(name) + "'");
    on[i] = only;
  }
  return on;
}

std::atomic<int> dump_sequence{0};

void dump(const ir::Module& m, const std::string& dir, int seq, std::string_view stage) {
  std::error_code ec;  // a dump that cannot be written must not fail the compile
  std::filesystem::create_directories(dir, ec);
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%04d", seq);
  std::string name = m.name.empty() ? "module" : m.name;
  for (char& c : name)
    if (c == '/' || c == '\\') c = '_';
  std::string path = dir + "/" + prefix + "." + name + "." + std::string(stage) + ".mlir";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::string text = ir::print_module(m);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
}

struct Scope {
  std::unordered_set<ir::ValueId>& defined;
  std::vector<ir::ValueId> added;
  ~Scope() {
    for (ir::ValueId v : added) defined.erase(v);
  }
  bool define(ir::ValueId v) {
    if (!defined.insert(v).second) return false;
    added.push_back(v);
    return true;
  }
};

std::string verify_region(const ir::Module& m, const ir::Region& r,
                          std::unordered_set<ir::ValueId>& defined,
                          std::unordered_set<ir::ValueId>& ever) {
  for (const ir::Block& b : r.blocks) {
    Scope scope{defined, {}};
    for (ir::ValueId a : b.arguments)
      if (!ever.insert(a).second || !scope.define(a))
        return "block argument %" + std::to_string(a) + " is defined twice";
    for (const ir::Op& op : b.ops) {
      for (ir::ValueId v : op.operands) {
        if (v >= m.values.size()) return op.name + " reads a value that does not exist";
        if (!defined.count(v))
          return op.name + " reads %" + std::to_string(v) + " before it is defined";
      }
      for (const ir::Region& inner : op.regions)
        if (std::string e = verify_region(m, inner, defined, ever); !e.empty()) return e;
      for (ir::ValueId v : op.results)
        if (v >= m.values.size() || !ever.insert(v).second || !scope.define(v))
          return op.name + " defines %" + std::to_string(v) + " twice";
    }
  }
  return "";
}

}  // namespace

std::vector<std::string_view> pass_names() {
  std::vector<std::string_view> out;
  for (const Pass& p : kPasses) out.push_back(p.name);
  return out;
}

std::string verify(const ir::Module& m) {
  std::unordered_set<ir::ValueId> ever;
  for (const ir::Function& fn : m.functions) {
    std::unordered_set<ir::ValueId> defined;
    if (std::string e = verify_region(m, fn.body, defined, ever); !e.empty())
      return "in @" + fn.name + ": " + e;
  }
  return "";
}

std::vector<PassRun> run_pipeline(ir::Module& m) {
  std::vector<bool> on = chosen();
  const char* dir_env = std::getenv("APPLEJAX_DUMP_IR");
  std::string dir = dir_env ? dir_env : "";
  int seq = dir.empty() ? 0 : dump_sequence.fetch_add(1);
  std::vector<PassRun> runs;
  for (size_t i : kOrder) {
    if (!on[i]) continue;
    const Pass& p = kPasses[i];
    bool changed = p.run(m);
    runs.push_back({p.name, changed});
    if (!changed) continue;
    if (std::string e = verify(m); !e.empty())
      throw std::runtime_error("internal error: the '" + std::string(p.name) +
                               "' pass produced invalid IR (" + e +
                               "). Please report it; APPLEJAX_PASSES=-" + std::string(p.name) +
                               " works around it");
    if (!dir.empty()) dump(m, dir, seq, std::to_string(runs.size()) + "." + std::string(p.name));
  }
  if (!dir.empty()) dump(m, dir, seq, "final");
  return runs;
}

}  // namespace applejax::passes
