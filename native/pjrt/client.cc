// Client entries: creation, platform facts, device lists and Compile.
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <variant>

#include <mlx/device.h>
#include <mlx/version.h>

#include "pjrt/compile_options.h"
#include "pjrt/entry.h"
#include "pjrt/objects.h"
#include "pjrt/serialized_executable.h"
#include "pjrt/surface.h"
#include "pjrt/types.h"
#include "pjrt/version.h"
#include "runtime/memory_limits.h"

namespace applejax::pjrt {
namespace {

namespace mx = mlx::core;

constexpr char kPlatformName[] = "mps";

// Metal on macOS; CUDA when MLX was built with it and a GPU is present;
// otherwise MLX's CPU device, which is how Linux development runs.
// APPLEJAX_MLX_DEVICE=cpu keeps to the CPU device on a machine with a GPU, to
// compare the two or to run many processes at once without GPU kernel builds.
mx::Device pick_device() {
  const char* choice = std::getenv("APPLEJAX_MLX_DEVICE");
  if (choice && std::string_view(choice) == "cpu") return mx::Device(mx::Device::cpu);
  mx::Device gpu(mx::Device::gpu);
  if (mx::is_available(gpu)) return gpu;
  return mx::Device(mx::Device::cpu);
}

// The description's named values, pointing into `d.facts`.
void fill_attributes(PJRT_DeviceDescription& d) {
  d.attributes.clear();
  for (const auto& [name, value] : d.facts.values) {
    PJRT_NamedValue v{};
    v.struct_size = sizeof(PJRT_NamedValue);
    v.name = name.data();
    v.name_size = name.size();
    if (const auto* s = std::get_if<std::string>(&value)) {
      v.type = PJRT_NamedValue_kString;
      v.string_value = s->data();
      v.value_size = s->size();
    } else {
      v.type = PJRT_NamedValue_kInt64;
      v.int64_value = std::get<int64_t>(value);
      v.value_size = 1;
    }
    d.attributes.push_back(v);
  }
}

// APPLEJAX_GPU_CAPTURE's errors are the user's to fix, so they come back as
// INVALID_ARGUMENT rather than as an internal failure.
template <typename F>
auto user_setting(F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw ApiError{PJRT_Error_Code_INVALID_ARGUMENT, e.what()};
  }
}

PJRT_Error* client_create(PJRT_Client_Create_Args* args) {
  return guarded("PJRT_Client_Create", [&] {
    // First, before any MLX call (setting a memory limit makes MLX's Metal
    // allocator, and with it the Metal device): it sets MTL_CAPTURE_ENABLED,
    // which Metal reads when it is first used.
    auto capture = user_setting([] { return runtime::capture_request_from_env(); });
    runtime::apply_memory_limits_from_env();
    auto client = std::make_unique<PJRT_Client>();
    client->mlx_device = pick_device();
    if (capture)
      client->gpu_capture = user_setting([&] {
        return std::make_unique<runtime::GpuCapture>(std::move(*capture), client->mlx_device);
      });
    PJRT_DeviceDescription& description = client->device.description;
    // MLX state is only touched on the worker thread.
    client->worker.run_sync(
        [&] { description.facts = runtime::device_facts(client->mlx_device); });
    fill_attributes(description);
    const std::string& backend = description.facts.backend;
    // JAX's persistent cache key includes this text, so both versions are in it.
    client->platform_version = std::string("applejax ") + kPluginVersion + " (MLX " +
                               mx::version() + ", " + backend + ")";

    PJRT_Device& dev = client->device;
    dev.client = client.get();
    dev.description.id = 0;
    // As XLA names a GPU by its model ("NVIDIA H200"); MLX's CPU device keeps
    // the backend's name, since the CPU model says nothing about how it runs.
    const std::string& name = description.facts.name;
    bool gpu = client->mlx_device.type == mx::Device::gpu && !name.empty();
    dev.description.kind = gpu ? name : "MLX " + backend;
    dev.description.to_string = "MpsDevice(id=0, backend=" + backend +
                                (gpu ? ", kind=" + name : std::string()) + ")";
    dev.description.debug_string = "mps:0";
    dev.memory = &client->memory;

    // Ids and kind ids as XLA's cpu client numbers its three spaces.
    struct Space {
      MemorySpace* space;
      const char* kind;
    } spaces[] = {{&client->memory, "device"},
                  {&client->pinned_host, "pinned_host"},
                  {&client->unpinned_host, "unpinned_host"}};
    for (int i = 0; i < 3; ++i) {
      MemorySpace& mem = *spaces[i].space;
      mem.vtable = nullptr;
      mem.device = &dev;
      mem.id = i;
      mem.kind_id = i;
      mem.kind = spaces[i].kind;
      mem.debug_string = "mps:0 " + mem.kind + " memory";
      mem.to_string = "MpsMemory(" + mem.kind + ")";
      client->memory_list[i] = &mem;
    }
    client->device_list[0] = &dev;
    args->client = client.release();
  });
}

PJRT_Error* client_destroy(PJRT_Client_Destroy_Args* args) {
  return guarded("PJRT_Client_Destroy", [&] { delete args->client; });
}

PJRT_Error* client_platform_name(PJRT_Client_PlatformName_Args* args) {
  args->platform_name = kPlatformName;
  args->platform_name_size = sizeof(kPlatformName) - 1;
  return nullptr;
}

PJRT_Error* client_process_index(PJRT_Client_ProcessIndex_Args* args) {
  args->process_index = 0;
  return nullptr;
}

PJRT_Error* client_platform_version(PJRT_Client_PlatformVersion_Args* args) {
  return guarded("PJRT_Client_PlatformVersion", [&] {
    auto* c = require(args->client, "client");
    args->platform_version = c->platform_version.data();
    args->platform_version_size = c->platform_version.size();
  });
}

PJRT_Error* client_devices(PJRT_Client_Devices_Args* args) {
  return guarded("PJRT_Client_Devices", [&] {
    args->devices = require(args->client, "client")->device_list;
    args->num_devices = 1;
  });
}

PJRT_Error* client_addressable_devices(PJRT_Client_AddressableDevices_Args* args) {
  return guarded("PJRT_Client_AddressableDevices", [&] {
    args->addressable_devices = require(args->client, "client")->device_list;
    args->num_addressable_devices = 1;
  });
}

PJRT_Error* client_lookup_device(PJRT_Client_LookupDevice_Args* args) {
  return guarded("PJRT_Client_LookupDevice", [&] {
    auto* c = require(args->client, "client");
    if (args->id != 0)
      throw ApiError{PJRT_Error_Code_NOT_FOUND,
                     "no mps device with id " + std::to_string(args->id) +
                         "; the plugin has one device, id 0"};
    args->device = &c->device;
  });
}

PJRT_Error* client_lookup_addressable_device(
    PJRT_Client_LookupAddressableDevice_Args* args) {
  return guarded("PJRT_Client_LookupAddressableDevice", [&] {
    auto* c = require(args->client, "client");
    if (args->local_hardware_id != 0)
      throw ApiError{PJRT_Error_Code_NOT_FOUND,
                     "no mps device with local id " +
                         std::to_string(args->local_hardware_id)};
    args->addressable_device = &c->device;
  });
}

PJRT_Error* client_addressable_memories(PJRT_Client_AddressableMemories_Args* args) {
  return guarded("PJRT_Client_AddressableMemories", [&] {
    PJRT_Client* c = require(args->client, "client");
    args->addressable_memories = c->memory_list;
    args->num_addressable_memories = std::size(c->memory_list);
  });
}

PJRT_Error* client_default_device_assignment(
    PJRT_Client_DefaultDeviceAssignment_Args* args) {
  return guarded("PJRT_Client_DefaultDeviceAssignment", [&] {
    if (args->num_replicas * args->num_partitions != 1)
      throw ApiError{PJRT_Error_Code_UNIMPLEMENTED,
                     "the mps plugin has one device; " +
                         std::to_string(args->num_replicas) + " replicas x " +
                         std::to_string(args->num_partitions) +
                         " partitions cannot be placed"};
    if (args->default_assignment_size >= 1) args->default_assignment[0] = 0;
  });
}

// FNV-1a over the plugin and MLX versions and the artifact: cheap, stable
// across runs, and different when either version changes, since the same
// program may lower differently.
std::string fingerprint_of(const char* data, size_t size) {
  uint64_t h = fnv1a(kPluginVersion);
  h = fnv1a(mx::version(), h);
  h = fnv1a(std::string_view(data, size), h);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::shared_ptr<CompiledProgram> describe(std::shared_ptr<runtime::Program> program,
                                          std::string fingerprint) {
  // Each result's memory space, as JAX marks it (mhlo.memory_kind on the
  // entry's results, for outputs placed on a host memory kind); indices
  // into the client's memory_list, whose order client_create fixes.
  static constexpr const char* kKinds[] = {"device", "pinned_host", "unpinned_host"};
  auto c = std::make_shared<CompiledProgram>();
  c->name = program->name();
  c->fingerprint = std::move(fingerprint);
  const ir::Function* entry = program->module().entry();
  for (size_t i = 0; i < program->output_types().size(); ++i) {
    const ir::Type& t = program->output_types()[i];
    int memory = 0;
    if (entry && i < entry->result_attributes.size())
      for (const ir::NamedAttribute& a : entry->result_attributes[i])
        if (a.first == "mhlo.memory_kind") {
          while (memory < 3 && a.second.s != kKinds[memory]) ++memory;
          if (memory == 3)
            throw ApiError{PJRT_Error_Code_INVALID_ARGUMENT,
                           "result " + std::to_string(i) + " asks for memory kind '" + a.second.s +
                               "'; the mps device has device, pinned_host and unpinned_host"};
        }
    if (!t.is_tensor())
      throw ApiError{PJRT_Error_Code_UNIMPLEMENTED,
                     "the program returns a " + ir::to_string(t) +
                         "; only tensor results are supported"};
    c->output_types.push_back(to_buffer_type(t.element));
    c->output_dims.insert(c->output_dims.end(), t.shape.begin(), t.shape.end());
    c->output_dim_sizes.push_back(t.shape.size());
    c->output_memory_index.push_back(memory);
    c->output_memory_kinds.push_back(kKinds[memory]);
    c->output_memory_kind_sizes.push_back(std::strlen(kKinds[memory]));
  }
  c->program = std::move(program);
  return c;
}

// APPLEJAX_COUNT_COMPILES=<file>: appends one line per PJRT_Client_Compile,
// so a test can tell a persistent-cache hit (no line) from a compile.
void count_compile() {
  const char* path = std::getenv("APPLEJAX_COUNT_COMPILES");
  if (!path || !*path) return;
  if (FILE* f = std::fopen(path, "a")) {
    std::fputs("compile\n", f);
    std::fclose(f);
  }
}

// APPLEJAX_DUMP_DIR=<dir> keeps every artifact JAX sends, for bug reports and
// for replaying a program without Python (the Deno harness, the fuzzers).
void maybe_dump(const PJRT_Program& program) {
  const char* dir = std::getenv("APPLEJAX_DUMP_DIR");
  if (!dir || !*dir) return;
  std::string fingerprint = fingerprint_of(program.code, program.code_size);
  std::error_code ec;  // a dump that cannot be written must not fail the compile
  std::filesystem::create_directories(dir, ec);
  std::string path = std::string(dir) + "/" + fingerprint + ".mlirbc";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(program.code, 1, program.code_size, f);
    std::fclose(f);
  }
}

// Reads, checks and prepares `artifact` on the client's device; Compile and
// DeserializeAndLoad share it, so a cache entry is compiled the same way.
PJRT_LoadedExecutable* load_artifact(PJRT_Client* client, std::span<const uint8_t> bytes) {
  std::string fingerprint =
      fingerprint_of(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::shared_ptr<runtime::Program> compiled;
  try {
    // MLX state is only touched on the worker thread.
    client->worker.run_sync(
        [&] { compiled = runtime::Program::from_artifact(bytes, client->mlx_device); });
  } catch (const std::exception& e) {
    throw ApiError{PJRT_Error_Code_INVALID_ARGUMENT,
                   std::string("mps: cannot compile this program: ") + e.what()};
  }
  auto exe = std::make_unique<PJRT_LoadedExecutable>();
  exe->client = client;
  auto described = describe(std::move(compiled), std::move(fingerprint));
  described->artifact.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  exe->compiled = std::move(described);
  return exe.release();
}

PJRT_Error* client_compile(PJRT_Client_Compile_Args* args) {
  return guarded("PJRT_Client_Compile", [&] {
    auto* client = require(args->client, "client");
    const PJRT_Program* program = require(args->program, "program");
    std::string format(program->format, program->format_size);
    if (format != "mlir")
      throw ApiError{PJRT_Error_Code_INVALID_ARGUMENT,
                     "program format '" + format +
                         "' is not supported; the mps plugin reads StableHLO "
                         "portable artifacts (format 'mlir')"};
    if (args->compile_options || args->compile_options_size)
      check_compile_options({args->compile_options, args->compile_options_size});
    maybe_dump(*program);
    count_compile();
    args->executable = load_artifact(
        client, {reinterpret_cast<const uint8_t*>(program->code), program->code_size});
  });
}

// The compile options JAX passes are not needed: they were already applied
// when the entry was compiled, and the plugin reads none of them.
PJRT_Error* executable_deserialize_and_load(PJRT_Executable_DeserializeAndLoad_Args* args) {
  return guarded("PJRT_Executable_DeserializeAndLoad", [&] {
    auto* client = require(args->client, "client");
    if (!args->serialized_executable && args->serialized_executable_size)
      invalid("PJRT_Executable_DeserializeAndLoad: serialized_executable is null");
    std::string_view bytes(args->serialized_executable ? args->serialized_executable : "",
                           args->serialized_executable_size);
    args->loaded_executable = load_artifact(client, artifact_of_serialized(bytes));
  });
}

}  // namespace

void install_client_entries(PJRT_Api& api) {
  api.PJRT_Client_Create = client_create;
  api.PJRT_Client_Destroy = client_destroy;
  api.PJRT_Client_PlatformName = client_platform_name;
  api.PJRT_Client_ProcessIndex = client_process_index;
  api.PJRT_Client_PlatformVersion = client_platform_version;
  api.PJRT_Client_Devices = client_devices;
  api.PJRT_Client_AddressableDevices = client_addressable_devices;
  api.PJRT_Client_LookupDevice = client_lookup_device;
  api.PJRT_Client_LookupAddressableDevice = client_lookup_addressable_device;
  api.PJRT_Client_AddressableMemories = client_addressable_memories;
  api.PJRT_Client_DefaultDeviceAssignment = client_default_device_assignment;
  api.PJRT_Client_Compile = client_compile;
  api.PJRT_Executable_DeserializeAndLoad = executable_deserialize_and_load;
}

}  // namespace applejax::pjrt
