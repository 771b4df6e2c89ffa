// Checks the compile options JAX serializes with each compile
// (xla.CompileOptionsProto): the plugin applies none of them, but a name no
// compiler knows is a mistake the user should hear about, as on XLA.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace applejax::pjrt {

// The keys of env_option_overrides (field 7: map<string, OptionOverrideProto>),
// in order. Throws ApiError(INVALID_ARGUMENT) if the bytes are not a message.
std::vector<std::string> option_override_keys(std::string_view proto);

// Throws ApiError(INVALID_ARGUMENT) "No such compile option: 'k'" for a key
// that is neither one of XLA's debug options (xla_*) nor a build option.
void check_compile_options(std::string_view proto);

}  // namespace applejax::pjrt
