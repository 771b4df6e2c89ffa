// JAX records one call site per Python frame in each op's location, so a
// program traced under a deep Python stack has locations thousands of levels
// deep. Those must read (on a thread with a small stack, as jaxlib's compile
// workers have), and read exactly as the shallow original; cycles and
// deeply nested (or, through shared entries, huge) non-location attributes
// must be refused with a ReadError.
// The nestings are made by rewriting the attribute table of jaxlib's own
// artifacts (tests/vhlo_bytecode_edit.h).
#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "ir/printer.h"
#include "tests/check.h"
#include "tests/generic_text.h"
#include "tests/vhlo_bytecode_edit.h"
#include "vhlo/attr_type_table.h"
#include "vhlo/reader.h"

namespace {

using namespace applejax;
using test::AttrTable;
using test::ArtifactEditor;

// Builtin attribute codes (native/vhlo/builtin_attributes.cc).
constexpr uint64_t kArray = 0, kString = 2, kCallSite = 10, kFileLineCol = 11, kFusedWithMetadata = 13,
                   kName = 14;

std::vector<uint8_t> artifact(const std::string& name) {
  const char* d = std::getenv("APPLEJAX_ARTIFACTS");
  return test::read_bytes(std::filesystem::path(d && *d ? d : "build/artifacts") / (name + ".mlirbc"));
}

bool has_code(const AttrTable& t, const AttrTable::Entry& e, uint64_t code) {
  return e.dialect == t.builtin && e.custom && !e.payload.empty() && e.payload[0] == ((code << 1) | 1);
}

std::vector<uint64_t> entries_with_code(const AttrTable& t, uint64_t code) {
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < t.attrs.size(); ++i)
    if (has_code(t, t.attrs[i], code)) out.push_back(i);
  return out;
}

// Turns every file:line:col location L into callsite(L at callsite(L at ...)),
// `depth` call sites deep, the way JAX nests frames: the callee (what the
// reader quotes) stays L. With `cycle`, the outermost caller is the entry
// itself instead of L.
std::vector<uint8_t> with_call_site_chains(const std::vector<uint8_t>& bytes, int depth, bool cycle = false,
                                           int* leaves = nullptr) {
  ArtifactEditor ed(bytes);
  AttrTable& t = ed.table();
  std::vector<uint64_t> files = entries_with_code(t, kFileLineCol);
  if (leaves) *leaves = static_cast<int>(files.size());
  for (uint64_t leaf : files) {
    uint64_t original = t.add(t.attrs[leaf]);
    uint64_t caller = cycle ? leaf : original;
    for (int k = 1; k < depth; ++k) caller = t.add_builtin(leaf, {kCallSite, original, caller});
    t.attrs[leaf].payload = AttrTable::payload({kCallSite, original, caller});
  }
  return ed.bytes();
}

enum class Outcome { kRead, kReadError, kOther };

struct Result {
  Outcome outcome = Outcome::kOther;
  std::string text;  // the module printed with locations, or the error
};

Result read(std::span<const uint8_t> bytes) {
  try {
    return {Outcome::kRead, ir::print_module(vhlo::read_artifact(bytes))};
  } catch (const vhlo::ReadError& e) {
    return {Outcome::kReadError, e.what()};
  } catch (const std::exception& e) {
    return {Outcome::kOther, e.what()};
  }
}

// Runs `body` on a new thread whose stack is `size` bytes filled with a
// marker, and returns how many bytes of it were touched (the high-water
// mark, including what the C library keeps at the top of a thread's stack).
size_t stack_used(size_t size, const std::function<void()>& body) {
  void* mem = nullptr;
  if (posix_memalign(&mem, 1 << 16, size) != 0) return SIZE_MAX;
  std::unique_ptr<void, decltype(&std::free)> owned(mem, &std::free);
  std::memset(mem, 0xA5, size);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, mem, size);
  pthread_t thread;
  auto run = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  int rc = pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&body));
  pthread_attr_destroy(&attr);
  if (rc != 0) return SIZE_MAX;
  pthread_join(thread, nullptr);
  const auto* b = static_cast<const uint8_t*>(mem);
  size_t untouched = 0;
  while (untouched < size && b[untouched] == 0xA5) ++untouched;
  return size - untouched;
}

TEST_CASE(deep_call_site_chains_read_like_the_original) {
  for (const char* name : {"add_one", "fori_loop", "cond", "mlp_grad"}) {
    auto original = artifact(name);
    CHECK(!original.empty());
    if (original.empty()) continue;
    Result want = read(original);
    CHECK(want.outcome == Outcome::kRead);
    for (int depth : {1, 65, 5000}) {
      int leaves = 0;
      Result got = read(with_call_site_chains(original, depth, false, &leaves));
      CHECK(leaves > 0);  // the artifact has file locations to deepen
      CHECK(got.outcome == Outcome::kRead);
      if (got.text != want.text) {
        test::fail(__FILE__, __LINE__, std::string(name) + " at depth " + std::to_string(depth) + ": " +
                                           got.text.substr(0, 300));
      }
    }
  }
}

TEST_CASE(call_site_chains_do_not_use_the_native_stack) {
  auto original = artifact("add_one");
  std::vector<uint8_t> shallow = with_call_site_chains(original, 10);
  std::vector<uint8_t> deep = with_call_site_chains(original, 100'000);
  Result want = read(original), got_shallow, got_deep;
  constexpr size_t kStack = 1 << 20;
  size_t used_shallow = stack_used(kStack, [&] { got_shallow = read(shallow); });
  size_t used_deep = stack_used(kStack, [&] { got_deep = read(deep); });
  std::cout << "stack used reading a 10-deep call-site chain: " << used_shallow
            << " bytes, a 100000-deep one: " << used_deep << " bytes\n";
  CHECK(got_shallow.outcome == Outcome::kRead);
  CHECK(got_deep.outcome == Outcome::kRead);
  CHECK(got_deep.text == want.text);
  CHECK(used_deep < kStack);
  // Depth costs no stack: a 10,000 times longer chain uses what the short one
  // does, up to allocator noise.
  CHECK(used_deep <= used_shallow + 4096);
}

TEST_CASE(call_site_cycles_are_refused) {
  auto original = artifact("add_one");
  for (int length : {1, 2, 5000}) {
    Result got = read(with_call_site_chains(original, length, /*cycle=*/true));
    CHECK(got.outcome == Outcome::kReadError);
    if (got.text.find("refers to itself") == std::string::npos) {
      test::fail(__FILE__, __LINE__, "cycle of " + std::to_string(length) + ": " + got.text);
    }
  }
}

TEST_CASE(shared_callers_are_not_cycles) {
  // JAX shares the frames of a common caller between the locations of
  // different ops: a DAG, read once, however often it is reached.
  auto original = artifact("add_one");
  ArtifactEditor ed(original);
  AttrTable& t = ed.table();
  std::vector<uint64_t> files = entries_with_code(t, kFileLineCol);
  CHECK(!files.empty());
  if (files.empty()) return;
  uint64_t frame = t.add(t.attrs[files[0]]);
  uint64_t shared = frame;
  for (int k = 0; k < 3000; ++k) shared = t.add_builtin(files[0], {kCallSite, frame, shared});
  for (uint64_t leaf : files) {
    uint64_t own = t.add(t.attrs[leaf]);
    // Twice through the same chain: as the caller and inside a second call site.
    uint64_t twice = t.add_builtin(leaf, {kCallSite, shared, shared});
    t.attrs[leaf].payload = AttrTable::payload({kCallSite, own, twice});
  }
  Result got = read(ed.bytes());
  CHECK(got.outcome == Outcome::kRead);
  CHECK(got.text == read(original).text);
}

TEST_CASE(deeply_nested_names_keep_a_short_text) {
  // name("n" at name("n" at ...)) 5000 deep: reads, and the quoted text is
  // capped, keeping its start and the user's file:line at its end.
  auto original = artifact("add_one");
  ArtifactEditor ed(original);
  AttrTable& t = ed.table();
  std::vector<uint64_t> files = entries_with_code(t, kFileLineCol);
  std::vector<uint64_t> strings = entries_with_code(t, kString);
  CHECK(!files.empty() && !strings.empty());
  if (files.empty() || strings.empty()) return;
  for (uint64_t leaf : files) {
    uint64_t child = t.add(t.attrs[leaf]);
    for (int k = 1; k < 5000; ++k) child = t.add_builtin(leaf, {kName, strings[0], child});
    t.attrs[leaf].payload = AttrTable::payload({kName, strings[0], child});
  }
  Result got = read(ed.bytes());
  CHECK(got.outcome == Outcome::kRead);
  size_t longest = 0;
  for (size_t at = got.text.find("loc(\""); at != std::string::npos; at = got.text.find("loc(\"", at + 1)) {
    size_t end = got.text.find("\")", at);
    longest = std::max(longest, end - at);
  }
  CHECK(longest > 500);    // the chain's names are there
  CHECK(longest < 1200);   // but not 5000 of them
  CHECK(got.text.find(" ... ") != std::string::npos);
  // The user's file:line:col survives the cut in every location.
  std::regex ends_with_line(R"(loc\("[^"]*:[0-9]+:[0-9]+"\))");
  auto count = [](const std::string& s, const std::regex& re) {
    return std::distance(std::sregex_iterator(s.begin(), s.end(), re), std::sregex_iterator());
  };
  CHECK(count(got.text, ends_with_line) > 0);
  CHECK_EQ(count(got.text, ends_with_line), count(got.text, std::regex(R"(loc\(")")));
}

// A location whose metadata (fused<metadata>[...]) is `depth` nested arrays:
// arrays become recursive ir::Attribute trees, so their nesting stays capped.
std::vector<uint8_t> with_nested_arrays(const std::vector<uint8_t>& bytes, int depth) {
  ArtifactEditor ed(bytes);
  AttrTable& t = ed.table();
  std::vector<uint64_t> files = entries_with_code(t, kFileLineCol);
  for (uint64_t leaf : files) {
    uint64_t original = t.add(t.attrs[leaf]);
    uint64_t array = t.add_builtin(leaf, {kArray, 0});
    for (int k = 1; k < depth; ++k) array = t.add_builtin(leaf, {kArray, 1, array});
    t.attrs[leaf].payload = AttrTable::payload({kFusedWithMetadata, 1, original, array});
  }
  return ed.bytes();
}

TEST_CASE(deep_arrays_are_refused_cleanly) {
  auto original = artifact("add_one");
  std::string want = read(original).text;
  Result fits;
  Result shallow;
  constexpr size_t kStack = 1 << 20;
  size_t used_fits = stack_used(kStack, [&] { fits = read(with_nested_arrays(original, vhlo::kMaxNesting - 2)); });
  size_t used_shallow = stack_used(kStack, [&] { shallow = read(with_nested_arrays(original, 2)); });
  CHECK(fits.outcome == Outcome::kRead);
  CHECK(shallow.outcome == Outcome::kRead);
  CHECK(fits.text == want);  // fused<metadata>[L] quotes L
  // The cost per level of the recursive decoding, for kMaxNesting's comment.
  size_t per_level = (used_fits - used_shallow) / (vhlo::kMaxNesting - 4);
  std::cout << "stack per nested attribute: " << per_level << " bytes; " << vhlo::kMaxNesting
            << " levels: " << per_level * vhlo::kMaxNesting << " bytes\n";
  CHECK(used_fits < kStack);
  for (int depth : {vhlo::kMaxNesting + 1, 100'000}) {
    Result got;
    size_t used = stack_used(kStack, [&] { got = read(with_nested_arrays(original, depth)); });
    CHECK(used < kStack);
    CHECK(got.outcome == Outcome::kReadError);
    if (got.text.find("nested deeper than") == std::string::npos) {
      test::fail(__FILE__, __LINE__, "arrays " + std::to_string(depth) + " deep: " + got.text);
    }
  }
}

// Like with_nested_arrays, but each array holds its inner array twice: a
// tree of 2^depth nodes from a few bytes per level.
std::vector<uint8_t> with_doubling_arrays(const std::vector<uint8_t>& bytes, int depth) {
  ArtifactEditor ed(bytes);
  AttrTable& t = ed.table();
  for (uint64_t leaf : entries_with_code(t, kFileLineCol)) {
    uint64_t original = t.add(t.attrs[leaf]);
    uint64_t array = t.add_builtin(leaf, {kArray, 0});
    for (int k = 1; k < depth; ++k) array = t.add_builtin(leaf, {kArray, 2, array, array});
    t.attrs[leaf].payload = AttrTable::payload({kFusedWithMetadata, 1, original, array});
  }
  return ed.bytes();
}

TEST_CASE(shared_entries_cannot_describe_huge_trees) {
  auto original = artifact("add_one");
  Result small = read(with_doubling_arrays(original, 12));  // 4095 nodes: fine
  CHECK(small.outcome == Outcome::kRead);
  CHECK(small.text == read(original).text);
  // 2^60 nodes. Refusing it means building kMaxTreeNodes of them first
  // (about 0.2 s), which is why native/fuzz/regressions does not keep it:
  // ctest would replay it dozens of times.
  Result huge = read(with_doubling_arrays(original, 60));
  CHECK(huge.outcome == Outcome::kReadError);
  if (huge.text.find("nested values") == std::string::npos) test::fail(__FILE__, __LINE__, huge.text);
}

// With APPLEJAX_WRITE_DEEP_INPUTS=dir, writes the inputs native/fuzz/regressions
// keeps (a deep chain, a long cycle, arrays past the cap), so the fuzz targets
// replay them, and their mutations, on every run.
TEST_CASE(write_regression_inputs_if_asked) {
  const char* dir = std::getenv("APPLEJAX_WRITE_DEEP_INPUTS");
  if (!dir || !*dir) return;
  auto original = artifact("add_one");
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream out(std::filesystem::path(dir) / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  };
  // Small enough to keep in the tree, deep enough to pass the old cap of 64.
  write("reader-call-site-chain-1000-deep", with_call_site_chains(original, 1000));
  write("reader-call-site-cycle-1000-long", with_call_site_chains(original, 1000, true));
  write("reader-arrays-nested-past-the-cap", with_nested_arrays(original, 1000));
}

}  // namespace
