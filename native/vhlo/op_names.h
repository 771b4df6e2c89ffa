// VHLO op names to StableHLO ones: "vhlo.add_v1" -> "stablehlo.add".
#pragma once

#include <string>
#include <string_view>

namespace applejax::vhlo {

// `inside_function_body` tells return_v1 apart: it ends a function
// ("func.return") at the top of a function body, a region ("stablehlo.return")
// elsewhere. Names of other dialects pass through unchanged.
std::string stablehlo_op_name(std::string_view vhlo_name, bool inside_function_body);

}  // namespace applejax::vhlo
