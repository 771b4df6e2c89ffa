#include "vhlo/op_names.h"

namespace applejax::vhlo {

std::string stablehlo_op_name(std::string_view name, bool inside_function_body) {
  constexpr std::string_view kPrefix = "vhlo.";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::string(name);
  std::string_view base = name.substr(kPrefix.size());
  // Drop the version suffix "_v<digits>".
  size_t v = base.rfind("_v");
  if (v != std::string_view::npos && v + 2 < base.size()) {
    bool digits = true;
    for (size_t i = v + 2; i < base.size(); ++i) digits &= base[i] >= '0' && base[i] <= '9';
    if (digits) base = base.substr(0, v);
  }
  if (base == "return") return inside_function_body ? "func.return" : "stablehlo.return";
  if (base == "call") return "func.call";
  if (base == "func") return "func.func";
  return "stablehlo." + std::string(base);
}

}  // namespace applejax::vhlo
