#include "pjrt/compile_options.h"

#include <cstdint>

#include "pjrt/entry.h"

namespace applejax::pjrt {
namespace {

// Just enough of the protobuf wire format to walk one message's fields.
class Wire {
 public:
  explicit Wire(std::string_view bytes) : rest_(bytes) {}
  bool done() const { return rest_.empty(); }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) bad();
      uint8_t b = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    bad();
  }

  std::string_view take(uint64_t n) {
    if (n > rest_.size()) bad();
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }

  // Returns the field's number and, for a length-delimited field, its bytes;
  // other wire types are skipped.
  uint32_t next(std::string_view& payload) {
    uint64_t tag = varint();
    payload = {};
    switch (tag & 7) {
      case 0: varint(); break;
      case 1: take(8); break;
      case 2: payload = take(varint()); break;
      case 5: take(4); break;
      default: bad();
    }
    return static_cast<uint32_t>(tag >> 3);
  }

 private:
  [[noreturn]] static void bad() {
    invalid("PJRT_Client_Compile: the compile options are not a serialized CompileOptionsProto");
  }
  std::string_view rest_;
};

// Options XLA's compile options take beside its debug options; JAX sends
// those it knows through other fields, the rest as overrides.
constexpr std::string_view kBuildOptions[] = {
    "exec_time_optimization_effort", "memory_fitting_effort", "optimization_level",
    "memory_fitting_level",
};

}  // namespace

std::vector<std::string> option_override_keys(std::string_view proto) {
  std::vector<std::string> keys;
  Wire message(proto);
  while (!message.done()) {
    std::string_view entry;
    if (message.next(entry) != 7) continue;
    Wire fields(entry);
    while (!fields.done()) {
      std::string_view value;
      if (fields.next(value) == 1) keys.emplace_back(value);
    }
  }
  return keys;
}

void check_compile_options(std::string_view proto) {
  for (const std::string& key : option_override_keys(proto)) {
    if (key.starts_with("xla_")) continue;  // XLA's flags: they have no meaning for MLX
    bool known = false;
    for (std::string_view b : kBuildOptions) known = known || key == b;
    if (!known)
      invalid("No such compile option: '" + key +
              "'. The mps plugin accepts XLA's option names (xla_*, "
              "exec_time_optimization_effort, memory_fitting_effort, optimization_level, "
              "memory_fitting_level) and applies none of them");
  }
}

}  // namespace applejax::pjrt
