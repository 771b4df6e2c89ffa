#include "vhlo/reader.h"

#include <charconv>

#include "vhlo/attr_type_table.h"
#include "vhlo/bytecode_file.h"
#include "vhlo/ir_section.h"
#include "vhlo/module_builder.h"
#include "vhlo/resources.h"

namespace applejax::vhlo {

std::string ArtifactVersion::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

ArtifactVersion artifact_version(std::string_view producer) {
  constexpr std::string_view kPrefix = "StableHLO_v";
  ArtifactVersion v;
  size_t at = producer.find(kPrefix);
  if (at == std::string_view::npos) return v;
  std::string_view rest = producer.substr(at + kPrefix.size());
  int* parts[3] = {&v.major, &v.minor, &v.patch};
  for (int i = 0; i < 3; ++i) {
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), *parts[i]);
    if (ec != std::errc()) return ArtifactVersion{};
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    if (i < 2) {
      if (rest.empty() || rest[0] != '.') return ArtifactVersion{};
      rest.remove_prefix(1);
    }
  }
  return v;
}

ir::Module read_artifact(std::span<const uint8_t> bytes) {
  try {
    BytecodeFile file = read_bytecode_file(bytes);
    Resources resources = read_resources(file);
    AttrTypeTable table(file, resources);
    ir::Module module;
    module.producer = std::string(file.producer);
    std::vector<ir::Op> top = read_ir_section(file, table, module);
    build_module(std::move(top), module, file.sections[kIRSection]->offset);
    return module;
  } catch (const ReadError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw ReadError("out of memory while reading the artifact", 0);
  } catch (const std::length_error&) {
    throw ReadError("a size in the artifact is out of range", 0);
  }
}

}  // namespace applejax::vhlo
