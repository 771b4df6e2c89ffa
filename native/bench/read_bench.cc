// Times the artifact reader: every .mlirbc in a directory, best of N reads
// each. Prints one line per artifact as `name<TAB>bytes<TAB>microseconds`
// for scripts/bench_reader.py, which sets it beside jaxlib's own reader.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "vhlo/reader.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 2) {
    std::cerr << "usage: read_bench DIR [REPEATS]\n";
    return 2;
  }
  int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(argv[1]))
    if (e.path().extension() == ".mlirbc") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
    double best = 1e30;
    try {
      for (int i = 0; i < repeats; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        applejax::ir::Module m = applejax::vhlo::read_artifact(bytes);
        auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    } catch (const std::exception& e) {
      std::cerr << path.filename().string() << ": " << e.what() << "\n";
      return 1;
    }
    std::cout << path.stem().string() << "\t" << bytes.size() << "\t" << best << "\n";
  }
  return 0;
}
