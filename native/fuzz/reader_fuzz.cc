// libFuzzer target for the artifact reader: any bytes are either read into a
// module, which the printer then writes with and without locations, or
// refused with a ReadError. Anything else (another exception, a crash, a
// sanitizer report, a hang, an allocation past -malloc_limit_mb) is a bug.
// Run: `deno task fuzz reader` (README, "Fuzzing").
#include <cstddef>
#include <cstdint>
#include <span>

#include "ir/printer.h"
#include "vhlo/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace applejax;
  ir::Module module;
  try {
    module = vhlo::read_artifact(std::span<const uint8_t>(data, size));
  } catch (const vhlo::ReadError&) {
    return 0;
  }
  // What the reader accepts the printer must print, also with the locations
  // that error messages quote.
  ir::print_module(module, ir::PrintOptions{.locations = false});
  ir::print_module(module);
  return 0;
}
