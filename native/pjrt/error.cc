#include "pjrt/error.h"

#include <string>
#include <string_view>
#include <utility>

namespace applejax::pjrt {
namespace {

void vt_destroy(PJRT_Error* error) { delete error; }

void vt_message(const PJRT_Error* error, const char** message,
                size_t* message_size) {
  *message = error->message.data();
  *message_size = error->message.size();
}

PJRT_Error_Code vt_get_code(const PJRT_Error* error) {
  return static_cast<PJRT_Error_Code>(error->code);
}

// We attach no payloads (they are an absl::Status feature XLA uses for
// structured error details); visiting is therefore a no-op.
void vt_for_each_payload(const PJRT_Error*, PJRT_Error_PayloadVisitor, void*) {}

const PJRT_Error_FunctionTable kErrorTable = {
    /*struct_size=*/PJRT_Error_FunctionTable_STRUCT_SIZE,
    /*instance_size=*/sizeof(PJRT_Error),
    /*extension_start=*/nullptr,
    /*destroy=*/vt_destroy,
    /*message=*/vt_message,
    /*get_code=*/vt_get_code,
    /*for_each_payload=*/vt_for_each_payload,
};

}  // namespace

const PJRT_Error_FunctionTable* error_function_table() { return &kErrorTable; }

PJRT_Error* make_error(PJRT_Error_Code code, std::string message) {
  // An OK code would make the framework treat a non-null error as success in
  // some paths and as failure in others; never hand one out.
  if (code == PJRT_Error_Code_OK) code = PJRT_Error_Code_INTERNAL;
  return new PJRT_Error{&kErrorTable, static_cast<int>(code),
                        std::move(message)};
}

PJRT_Error* make_unimplemented(const char* function_name) {
  std::string message = std::string(function_name) + " is not implemented by the applejax plugin yet";
  // JAX's ahead-of-time tools recognise this phrase and fall back to the
  // live devices.
  if (std::string_view(function_name).find("Topology") != std::string_view::npos)
    message += " (topology not implemented: compile for the mps device itself instead)";
  return make_error(PJRT_Error_Code_UNIMPLEMENTED, std::move(message));
}

void applejax_error_destroy(PJRT_Error_Destroy_Args* args) {
  delete args->error;  // null is allowed
}

void applejax_error_message(PJRT_Error_Message_Args* args) {
  vt_message(args->error, &args->message, &args->message_size);
}

PJRT_Error* applejax_error_get_code(PJRT_Error_GetCode_Args* args) {
  args->code = vt_get_code(args->error);
  return nullptr;
}

PJRT_Error* applejax_error_for_each_payload(
    PJRT_Error_ForEachPayload_Args* args) {
  return nullptr;
}

}  // namespace applejax::pjrt
