// GetPjrtApi, the plugin-level entries and events.
#include <iterator>
#include <string_view>

#include "applejax_versions.h"
#include "pjrt/api_table.h"
#include "pjrt/entry.h"
#include "pjrt/objects.h"
#include "pjrt/surface.h"

namespace applejax::pjrt {
namespace {

constexpr PJRT_NamedValue int_list(std::string_view name, const int64_t* values, size_t n) {
  PJRT_NamedValue v{};
  v.struct_size = PJRT_NamedValue_STRUCT_SIZE;
  v.name = name.data();
  v.name_size = name.size();
  v.type = PJRT_NamedValue_kInt64List;
  v.int64_array_value = values;
  v.value_size = n;
  return v;
}

// jaxlib serialises programs at min(its own version, this one), so this is
// what our reader must understand.
constexpr int64_t kStablehloCurrent[] = {APPLEJAX_STABLEHLO_CURRENT_MAJOR,
                                         APPLEJAX_STABLEHLO_CURRENT_MINOR,
                                         APPLEJAX_STABLEHLO_CURRENT_PATCH};
constexpr int64_t kStablehloMinimum[] = {APPLEJAX_STABLEHLO_MINIMUM_MAJOR,
                                         APPLEJAX_STABLEHLO_MINIMUM_MINOR,
                                         APPLEJAX_STABLEHLO_MINIMUM_PATCH};

constexpr PJRT_NamedValue kAttributes[] = {
    int_list("stablehlo_current_version", kStablehloCurrent, 3),
    int_list("stablehlo_minimum_version", kStablehloMinimum, 3),
};

}  // namespace

// The table PJRT_Plugin_Attributes returns, under a fixed C name so that
// scripts/plugin_image.py can read it from the file without running the
// plugin (the macOS build is checked on Linux, where it cannot be loaded).
// Hidden: it stays in the symbol table (the plugin is not stripped) but is
// not exported, so the ABI is still GetPjrtApi alone. constinit: no code runs
// to fill it, so the bytes in the file are the table; `used` keeps a dead-
// stripping linker from dropping it.
struct AttributeTable {
  const PJRT_NamedValue* attributes;
  size_t num_attributes;
};
extern "C" [[gnu::used]] __attribute__((visibility("hidden"))) constinit const AttributeTable
    applejax_plugin_attributes = {kAttributes, std::size(kAttributes)};

namespace {

PJRT_Error* plugin_initialize(PJRT_Plugin_Initialize_Args*) { return nullptr; }

PJRT_Error* plugin_attributes(PJRT_Plugin_Attributes_Args* args) {
  args->attributes = applejax_plugin_attributes.attributes;
  args->num_attributes = applejax_plugin_attributes.num_attributes;
  return nullptr;
}

PJRT_Error* to_error(const std::optional<std::string>& message) {
  return message ? make_error(PJRT_Error_Code_INTERNAL, *message) : nullptr;
}

PJRT_Error* event_destroy(PJRT_Event_Destroy_Args* args) {
  delete args->event;
  return nullptr;
}

PJRT_Error* event_is_ready(PJRT_Event_IsReady_Args* args) {
  return guarded("PJRT_Event_IsReady", [&] {
    args->is_ready = require(args->event, "event")->event->is_ready();
  });
}

PJRT_Error* event_error(PJRT_Event_Error_Args* args) {
  if (!args->event) return make_error(PJRT_Error_Code_INVALID_ARGUMENT, "event is null");
  if (!args->event->event->is_ready())
    return make_error(PJRT_Error_Code_FAILED_PRECONDITION,
                      "PJRT_Event_Error called before the event is ready");
  return to_error(args->event->event->wait());
}

PJRT_Error* event_await(PJRT_Event_Await_Args* args) {
  if (!args->event) return make_error(PJRT_Error_Code_INVALID_ARGUMENT, "event is null");
  return to_error(args->event->event->wait());
}

PJRT_Error* event_on_ready(PJRT_Event_OnReady_Args* args) {
  return guarded("PJRT_Event_OnReady", [&] {
    require(args->event, "event");
    auto callback = args->callback;
    void* user_arg = args->user_arg;
    args->event->event->on_ready(
        [callback, user_arg](const std::optional<std::string>& error) {
          callback(to_error(error), user_arg);
        });
  });
}

PJRT_Error* event_create(PJRT_Event_Create_Args* args) {
  return guarded("PJRT_Event_Create", [&] {
    args->event = new PJRT_Event{std::make_shared<runtime::Event>()};
  });
}

PJRT_Error* event_set(PJRT_Event_Set_Args* args) {
  return guarded("PJRT_Event_Set", [&] {
    auto& e = require(args->event, "event")->event;
    if (args->error_code == 0) {
      e->set_ready();
    } else {
      e->set_error(std::string(args->error_message, args->error_message_size));
    }
  });
}

PJRT_Api build_api() {
  PJRT_Api api{};
  fill_unimplemented(&api);
  api.PJRT_Plugin_Initialize = plugin_initialize;
  api.PJRT_Plugin_Attributes = plugin_attributes;
  api.PJRT_Event_Destroy = event_destroy;
  api.PJRT_Event_IsReady = event_is_ready;
  api.PJRT_Event_Error = event_error;
  api.PJRT_Event_Await = event_await;
  api.PJRT_Event_OnReady = event_on_ready;
  api.PJRT_Event_Create = event_create;
  api.PJRT_Event_Set = event_set;
  install_client_entries(api);
  install_device_entries(api);
  install_buffer_entries(api);
  install_executable_entries(api);
  return api;
}

}  // namespace

PJRT_Event* wrap(runtime::EventPtr event) { return new PJRT_Event{std::move(event)}; }

}  // namespace applejax::pjrt

extern "C" __attribute__((visibility("default"))) const PJRT_Api* GetPjrtApi() {
  static const PJRT_Api api = applejax::pjrt::build_api();
  return &api;
}
