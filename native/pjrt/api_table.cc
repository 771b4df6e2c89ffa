#include "pjrt/api_table.h"

#include <type_traits>

#include "pjrt/error.h"

namespace applejax::pjrt {
namespace {

// ---- the list must match the struct, slot for slot ----

constexpr size_t kFirstSlot = offsetof(PJRT_Api, PJRT_Error_Destroy);

#define AJ_OFFSET(name) offsetof(PJRT_Api, name),
constexpr size_t kSlotOffsets[] = {APPLEJAX_PJRT_API_MEMBERS(AJ_OFFSET)};
#undef AJ_OFFSET

constexpr bool slots_in_order() {
  for (size_t i = 0; i < std::size(kSlotOffsets); ++i)
    if (kSlotOffsets[i] != kFirstSlot + i * sizeof(void*)) return false;
  return true;
}

static_assert(std::size(kSlotOffsets) == kApiMemberCount,
              "APPLEJAX_PJRT_API_MEMBERS has the wrong number of entries");
static_assert(slots_in_order(),
              "APPLEJAX_PJRT_API_MEMBERS order differs from PJRT_Api");
static_assert(kFirstSlot + kApiMemberCount * sizeof(void*) ==
                  PJRT_Api_STRUCT_SIZE,
              "PJRT_Api has members missing from APPLEJAX_PJRT_API_MEMBERS");

#define AJ_NAME(name) #name,
constexpr const char* kMemberNames[] = {APPLEJAX_PJRT_API_MEMBERS(AJ_NAME)};
#undef AJ_NAME

// ---- stubs ----

// One instantiation per member name, so every slot holds a distinct function
// (a shared stub could not say which entry the framework called).
template <const char* kName, typename Result, typename Args>
Result unimplemented_stub(Args*) {
  if constexpr (std::is_void_v<Result>) {
    // Only the Error_* entries return void; fill_unimplemented replaces them.
  } else {
    return make_unimplemented(kName);
  }
}

template <const char* kName, typename Result, typename Args>
void install_stub(Result (*&slot)(Args*)) {
  slot = &unimplemented_stub<kName, Result, Args>;
}

#define AJ_NAME_CONST(name) constexpr char kName_##name[] = #name;
APPLEJAX_PJRT_API_MEMBERS(AJ_NAME_CONST)
#undef AJ_NAME_CONST

}  // namespace

const char* api_member_name(size_t index) {
  return index < kApiMemberCount ? kMemberNames[index] : nullptr;
}

void fill_unimplemented(PJRT_Api* api) {
  api->struct_size = PJRT_Api_STRUCT_SIZE;
  api->extension_start = nullptr;
  api->pjrt_api_version.struct_size = PJRT_Api_Version_STRUCT_SIZE;
  api->pjrt_api_version.extension_start = nullptr;
  api->pjrt_api_version.major_version = PJRT_API_MAJOR;
  api->pjrt_api_version.minor_version = PJRT_API_MINOR;

#define AJ_INSTALL(name) install_stub<kName_##name>(api->name);
  APPLEJAX_PJRT_API_MEMBERS(AJ_INSTALL)
#undef AJ_INSTALL

  api->PJRT_Error_Destroy = applejax_error_destroy;
  api->PJRT_Error_Message = applejax_error_message;
  api->PJRT_Error_GetCode = applejax_error_get_code;
  api->PJRT_Error_ForEachPayload = applejax_error_for_each_payload;
}

}  // namespace applejax::pjrt
