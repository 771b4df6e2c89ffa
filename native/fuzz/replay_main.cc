// A main() for the fuzz targets where libFuzzer is not linked (any compiler,
// the plain and the ASan+UBSan builds): runs LLVMFuzzerTestOneInput over
// files and directories, and over `--mutations=N` deterministic damaged
// copies of each (1-4 overwritten bytes, or a cut), so ctest replays the seed
// corpus and a fixed set of mutations on every run. A failure reproduces
// with the same arguments; `--verbose` names each input before it runs and
// `--keep=FILE` writes it to FILE first, so FILE holds the one that crashed.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::vector<std::string>& paths) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) out.push_back(e.path());
    } else {
      out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void mutate(std::vector<uint8_t>& bytes, std::mt19937& rng) {
  if (bytes.empty()) return;
  if (rng() % 8 == 0) {
    bytes.resize(rng() % bytes.size());
    return;
  }
  int flips = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  int mutations = 0;
  unsigned seed = 1;
  bool verbose = false;
  std::string keep;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--mutations=", 0) == 0) mutations = std::atoi(a.c_str() + 12);
    else if (a.rfind("--seed=", 0) == 0) seed = static_cast<unsigned>(std::atoll(a.c_str() + 7));
    else if (a == "--verbose") verbose = true;
    else if (a.rfind("--keep=", 0) == 0) keep = a.substr(7);
    else paths.push_back(a);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations=N] [--seed=S] [--verbose] [--keep=FILE] FILE_OR_DIR...\n",
                 argv[0]);
    return 2;
  }
  auto files = inputs(paths);
  if (files.empty()) {
    std::fprintf(stderr, "no inputs in the given paths\n");
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  size_t runs = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const auto original = read_file(files[f]);
    std::mt19937 rng(seed + static_cast<unsigned>(f));
    for (int m = 0; m <= mutations; ++m) {
      auto bytes = original;
      if (m > 0) mutate(bytes, rng);
      if (verbose) std::fprintf(stderr, "%s #%d\n", files[f].c_str(), m);
      if (!keep.empty()) std::ofstream(keep, std::ios::binary).write(
          reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++runs;
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("replayed %zu inputs (%zu files, %d mutations each, seed %u) in %.2f s\n", runs,
              files.size(), mutations, seed, s);
  return 0;
}
