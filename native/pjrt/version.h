// The plugin's own version, as pyproject.toml declares it. It is part of the
// client's platform_version (a component of JAX's persistent-cache key) and of
// every serialized executable, so a new plugin never reuses an old entry.
#pragma once

namespace applejax::pjrt {

inline constexpr char kPluginVersion[] = "0.1.0";

}  // namespace applejax::pjrt
