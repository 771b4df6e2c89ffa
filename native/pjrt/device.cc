// Device, device description and memory entries: fixed facts about the one
// device the plugin exposes.
#include <optional>

#include <mlx/memory.h>

#include "pjrt/entry.h"
#include "pjrt/objects.h"
#include "pjrt/struct_fields.h"
#include "pjrt/surface.h"

namespace applejax::pjrt {
namespace {

MemorySpace* memory_of(PJRT_Memory* m) {
  return static_cast<MemorySpace*>(require(m, "memory"));
}

PJRT_Error* description_id(PJRT_DeviceDescription_Id_Args* args) {
  return guarded("PJRT_DeviceDescription_Id", [&] {
    args->id = require(args->device_description, "device_description")->id;
  });
}

PJRT_Error* description_process_index(PJRT_DeviceDescription_ProcessIndex_Args* args) {
  args->process_index = 0;
  return nullptr;
}

// MLX's device info (runtime/gpu_facts.h), the same values the device's
// GetAttributes hands out.
PJRT_Error* description_attributes(PJRT_DeviceDescription_Attributes_Args* args) {
  return guarded("PJRT_DeviceDescription_Attributes", [&] {
    auto* d = require(args->device_description, "device_description");
    args->num_attributes = d->attributes.size();
    args->attributes = d->attributes.data();
  });
}

PJRT_Error* description_kind(PJRT_DeviceDescription_Kind_Args* args) {
  return guarded("PJRT_DeviceDescription_Kind", [&] {
    auto* d = require(args->device_description, "device_description");
    args->device_kind = d->kind.data();
    args->device_kind_size = d->kind.size();
  });
}

PJRT_Error* description_debug_string(PJRT_DeviceDescription_DebugString_Args* args) {
  return guarded("PJRT_DeviceDescription_DebugString", [&] {
    auto* d = require(args->device_description, "device_description");
    args->debug_string = d->debug_string.data();
    args->debug_string_size = d->debug_string.size();
  });
}

PJRT_Error* description_to_string(PJRT_DeviceDescription_ToString_Args* args) {
  return guarded("PJRT_DeviceDescription_ToString", [&] {
    auto* d = require(args->device_description, "device_description");
    args->to_string = d->to_string.data();
    args->to_string_size = d->to_string.size();
  });
}

PJRT_Error* device_get_description(PJRT_Device_GetDescription_Args* args) {
  return guarded("PJRT_Device_GetDescription", [&] {
    args->device_description = &require(args->device, "device")->description;
  });
}

PJRT_Error* device_is_addressable(PJRT_Device_IsAddressable_Args* args) {
  args->is_addressable = true;
  return nullptr;
}

PJRT_Error* device_local_hardware_id(PJRT_Device_LocalHardwareId_Args* args) {
  args->local_hardware_id = 0;
  return nullptr;
}

PJRT_Error* device_addressable_memories(PJRT_Device_AddressableMemories_Args* args) {
  return guarded("PJRT_Device_AddressableMemories", [&] {
    PJRT_Client* client = require(args->device, "device")->client;
    args->memories = client->memory_list;
    args->num_memories = std::size(client->memory_list);
  });
}

PJRT_Error* device_default_memory(PJRT_Device_DefaultMemory_Args* args) {
  return guarded("PJRT_Device_DefaultMemory", [&] {
    args->memory = require(args->device, "device")->memory;
  });
}

// jaxlib builds the Device object's attributes from this entry
// (jax.devices("mps")[0].mlx_backend): the description's values, which the
// device owns, so there is nothing to delete. jaxlib aborts if this entry
// fails, so it never does: a null device just has no attributes.
void no_attributes_deleter(PJRT_Device_Attributes*) {}

PJRT_Error* device_get_attributes(PJRT_Device_GetAttributes_Args* args) {
  const std::vector<PJRT_NamedValue>* values =
      args->device ? &args->device->description.attributes : nullptr;
  args->attributes = values ? values->data() : nullptr;
  args->num_attributes = values ? values->size() : 0;
  args->device_attributes = nullptr;
  args->attributes_deleter = no_attributes_deleter;
  return nullptr;
}

// MLX's allocator figures, process-wide: MLX has one allocator per process
// and the plugin one device. bytes_in_use is live arrays (MLX's active
// memory); pool_bytes is freed memory MLX keeps for reuse (its cache);
// bytes_limit is the limit MLX evaluates under (APPLEJAX_MEMORY_LIMIT_MB);
// bytes_reservable_limit is the GPU's own figure for what a process may
// hold (Metal's recommended working set, a CUDA device's memory), unset on
// MLX's CPU device.
PJRT_Error* device_memory_stats(PJRT_Device_MemoryStats_Args* args) {
  return guarded("PJRT_Device_MemoryStats", [&] {
    const std::optional<int64_t>& reservable =
        require(args->device, "device")->description.facts.reservable_limit;
    namespace mx = mlx::core;
    args->bytes_in_use = int64_t(mx::get_active_memory());
    APPLEJAX_SET_IF_PRESENT(args, peak_bytes_in_use, int64_t(mx::get_peak_memory()));
    APPLEJAX_SET_IF_PRESENT(args, peak_bytes_in_use_is_set, true);
    APPLEJAX_SET_IF_PRESENT(args, bytes_limit, int64_t(mx::get_memory_limit()));
    APPLEJAX_SET_IF_PRESENT(args, bytes_limit_is_set, true);
    APPLEJAX_SET_IF_PRESENT(args, pool_bytes, int64_t(mx::get_cache_memory()));
    APPLEJAX_SET_IF_PRESENT(args, pool_bytes_is_set, true);
    APPLEJAX_SET_IF_PRESENT(args, num_allocs_is_set, false);
    APPLEJAX_SET_IF_PRESENT(args, largest_alloc_size_is_set, false);
    APPLEJAX_SET_IF_PRESENT(args, bytes_reserved_is_set, false);
    APPLEJAX_SET_IF_PRESENT(args, peak_bytes_reserved_is_set, false);
    APPLEJAX_SET_IF_PRESENT(args, bytes_reservable_limit, reservable.value_or(0));
    APPLEJAX_SET_IF_PRESENT(args, bytes_reservable_limit_is_set, reservable.has_value());
    APPLEJAX_SET_IF_PRESENT(args, largest_free_block_bytes_is_set, false);
    APPLEJAX_SET_IF_PRESENT(args, peak_pool_bytes_is_set, false);
  });
}

PJRT_Error* memory_id(PJRT_Memory_Id_Args* args) {
  return guarded("PJRT_Memory_Id", [&] { args->id = memory_of(args->memory)->id; });
}

PJRT_Error* memory_kind(PJRT_Memory_Kind_Args* args) {
  return guarded("PJRT_Memory_Kind", [&] {
    auto* m = memory_of(args->memory);
    args->kind = m->kind.data();
    args->kind_size = m->kind.size();
  });
}

PJRT_Error* memory_kind_id(PJRT_Memory_Kind_Id_Args* args) {
  return guarded("PJRT_Memory_Kind_Id", [&] { args->kind_id = memory_of(args->memory)->kind_id; });
}

PJRT_Error* memory_debug_string(PJRT_Memory_DebugString_Args* args) {
  return guarded("PJRT_Memory_DebugString", [&] {
    auto* m = memory_of(args->memory);
    args->debug_string = m->debug_string.data();
    args->debug_string_size = m->debug_string.size();
  });
}

PJRT_Error* memory_to_string(PJRT_Memory_ToString_Args* args) {
  return guarded("PJRT_Memory_ToString", [&] {
    auto* m = memory_of(args->memory);
    args->to_string = m->to_string.data();
    args->to_string_size = m->to_string.size();
  });
}

PJRT_Error* memory_addressable_by_devices(PJRT_Memory_AddressableByDevices_Args* args) {
  return guarded("PJRT_Memory_AddressableByDevices", [&] {
    auto* m = memory_of(args->memory);
    args->devices = m->device->client->device_list;
    args->num_devices = 1;
  });
}

}  // namespace

void install_device_entries(PJRT_Api& api) {
  api.PJRT_DeviceDescription_Id = description_id;
  api.PJRT_DeviceDescription_ProcessIndex = description_process_index;
  api.PJRT_DeviceDescription_Attributes = description_attributes;
  api.PJRT_DeviceDescription_Kind = description_kind;
  api.PJRT_DeviceDescription_DebugString = description_debug_string;
  api.PJRT_DeviceDescription_ToString = description_to_string;
  api.PJRT_Device_GetDescription = device_get_description;
  api.PJRT_Device_IsAddressable = device_is_addressable;
  api.PJRT_Device_LocalHardwareId = device_local_hardware_id;
  api.PJRT_Device_AddressableMemories = device_addressable_memories;
  api.PJRT_Device_DefaultMemory = device_default_memory;
  api.PJRT_Device_GetAttributes = device_get_attributes;
  api.PJRT_Device_MemoryStats = device_memory_stats;
  api.PJRT_Memory_Id = memory_id;
  api.PJRT_Memory_Kind = memory_kind;
  api.PJRT_Memory_Kind_Id = memory_kind_id;
  api.PJRT_Memory_DebugString = memory_debug_string;
  api.PJRT_Memory_ToString = memory_to_string;
  api.PJRT_Memory_AddressableByDevices = memory_addressable_by_devices;
}

}  // namespace applejax::pjrt
