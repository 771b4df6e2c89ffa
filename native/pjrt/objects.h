// What the opaque PJRT handles point to. The C surface (the other files in
// this folder) only translates between these and the runtime.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <mlx/device.h>

#include "pjrt/pjrt_abi.h"
#include "runtime/buffer.h"
#include "runtime/event.h"
#include "runtime/gpu_capture.h"
#include "runtime/gpu_facts.h"
#include "runtime/program.h"
#include "runtime/worker.h"

struct PJRT_DeviceDescription {
  int id = 0;
  std::string kind, debug_string, to_string;
  // What MLX reports about the device. `attributes` point into it, so it is
  // filled once, before them, and never changes afterwards.
  applejax::runtime::DeviceFacts facts;
  std::vector<PJRT_NamedValue> attributes;
};

struct PJRT_Device {
  PJRT_DeviceDescription description;
  PJRT_Client* client = nullptr;
  PJRT_Memory* memory = nullptr;
};

namespace applejax::pjrt {
// PJRT_Memory's first word belongs to the ABI; ours follow it.
struct MemorySpace : PJRT_Memory {
  int id = 0;
  std::string kind = "device";
  int kind_id = 0;
  std::string debug_string, to_string;
  PJRT_Device* device = nullptr;
};
}  // namespace applejax::pjrt

struct PJRT_Client {
  mlx::core::Device mlx_device{mlx::core::Device::cpu};
  std::string platform_version;
  PJRT_Device device;
  applejax::pjrt::MemorySpace memory;
  // The host memory kinds JAX offloads to (memory_kind="pinned_host" and
  // "unpinned_host"). MLX has one allocator, and its memory is
  // host-addressable on every device it runs on (malloc on its CPU device,
  // unified memory on Apple GPUs, managed memory on CUDA), so a buffer in
  // these spaces holds the same MLX array a device buffer would; only the
  // memory space it reports differs.
  applejax::pjrt::MemorySpace pinned_host, unpinned_host;
  PJRT_Device* device_list[1] = {nullptr};
  PJRT_Memory* memory_list[3] = {nullptr, nullptr, nullptr};
  // APPLEJAX_GPU_CAPTURE's capture; null when none was asked for. Before the
  // worker, so it outlives the executions queued there.
  std::unique_ptr<applejax::runtime::GpuCapture> gpu_capture;
  // Last member: destroyed first, so queued work finishes while the rest of
  // the client is still alive.
  applejax::runtime::Worker worker;
};

struct PJRT_Buffer {
  PJRT_Client* client = nullptr;
  applejax::runtime::BufferPtr buffer;
  PJRT_Buffer_Type type = PJRT_Buffer_Type_INVALID;
  std::vector<int64_t> minor_to_major;  // storage for GetMemoryLayout
  // The memory space it lives in; null means the device's default.
  PJRT_Memory* memory = nullptr;
  // External references (DLPack exports): while the count is above zero the
  // array stays pinned here, so Delete cannot free memory someone still reads.
  int external_refs = 0;
  std::optional<mlx::core::array> pinned;
};

struct PJRT_Event {
  applejax::runtime::EventPtr event;
};

// The compiled program plus everything the Executable_* queries hand out by
// pointer, computed once.
namespace applejax::pjrt {
struct CompiledProgram {
  std::shared_ptr<runtime::Program> program;
  std::string name;
  std::string fingerprint;
  // The StableHLO artifact exactly as JAX sent it: what Serialize stores and
  // OptimizedProgram hands back.
  std::string artifact;
  // The artifact printed as StableHLO text, made on the first
  // OptimizedProgram call (as_text), which asks twice: size, then bytes.
  mutable std::once_flag text_once;
  mutable std::string text;
  std::vector<PJRT_Buffer_Type> output_types;
  std::vector<int64_t> output_dims;
  std::vector<size_t> output_dim_sizes;
  std::vector<const char*> output_memory_kinds;
  std::vector<size_t> output_memory_kind_sizes;
  // Index into PJRT_Client::memory_list of each output's space.
  std::vector<int> output_memory_index;
  // GetCostAnalysis's properties, made on the first call; they live as long
  // as the program, as PJRT asks.
  mutable std::once_flag cost_once;
  mutable std::vector<PJRT_NamedValue> cost_properties;
};
}  // namespace applejax::pjrt

// Each LoadedExecutable_GetExecutable hands out a new one, which the caller
// destroys; they share the compiled program.
struct PJRT_Executable {
  std::shared_ptr<const applejax::pjrt::CompiledProgram> compiled;
};

struct PJRT_LoadedExecutable {
  PJRT_Client* client = nullptr;
  std::shared_ptr<const applejax::pjrt::CompiledProgram> compiled;
  bool deleted = false;
};
