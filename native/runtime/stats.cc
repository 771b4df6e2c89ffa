#include "runtime/stats.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace applejax::runtime {
namespace {

struct Registry {
  std::mutex mu;
  std::vector<std::shared_ptr<ProgramStats>> all;
  ~Registry() {
    std::lock_guard<std::mutex> lock(mu);
    if (all.empty()) return;
    std::fprintf(stderr,
                 "applejax stats (host µs per warm execute: the PJRT call on the caller's "
                 "thread, queued on the worker, graph built, eval until ready)\n"
                 "%-32s %8s %7s %7s %7s %7s %7s %9s %6s  %s\n",
                 "program", "executes", "ops in", "ops out", "call", "queue", "build", "eval",
                 "nodes", "fused");
    for (const auto& s : all) {
      uint64_t n = s->executes.load();
      double d = n ? 1e3 * static_cast<double>(n) : 1;
      std::fprintf(stderr, "%-32.32s %8llu %7zu %7zu %7.1f %7.1f %7.1f %9.1f %6llu  %s\n",
                   s->name.c_str(), static_cast<unsigned long long>(n), s->ops_read,
                   s->ops_after_passes, s->call_ns.load() / d, s->queue_ns.load() / d,
                   s->build_ns.load() / d,
                   s->eval_ns.load() / d, static_cast<unsigned long long>(s->nodes.load()),
                   s->fused.c_str());
    }
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

// "" (off), "1" and the like (on), or "graph".
const std::string& stats_setting() {
  static const std::string v = [] {
    const char* e = std::getenv("APPLEJAX_STATS");
    return std::string(e && std::string_view(e) != "0" ? e : "");
  }();
  return v;
}

bool stats_enabled() { return !stats_setting().empty(); }
bool stats_graphs() { return stats_setting() == "graph"; }

std::shared_ptr<ProgramStats> register_stats(std::string name) {
  if (!stats_enabled()) return nullptr;
  auto s = std::make_shared<ProgramStats>();
  s->name = std::move(name);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.all.push_back(s);
  return s;
}

size_t count_nodes(const std::vector<mlx::core::array>& outputs) {
  // Outputs of one multi-output primitive count once.
  std::unordered_set<std::uintptr_t> seen, primitives;
  std::vector<mlx::core::array> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    mlx::core::array a = stack.back();
    stack.pop_back();
    if (!seen.insert(a.id()).second || !a.has_primitive()) continue;
    primitives.insert(a.primitive_id());
    for (const auto& in : a.inputs()) stack.push_back(in);
  }
  return primitives.size();
}

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace applejax::runtime
