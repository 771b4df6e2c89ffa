// The plugin's PJRT_Error, and the Error_* entries of the PJRT_Api table.
//
// Every failure inside the plugin becomes one of these (DESIGN.md §5), so the
// message is what a JAX user reads in the raised exception: name the failing
// function or op and say what to do about it.
#pragma once

#include <string>

#include "pjrt/pjrt_abi.h"

// Defined here, not in pjrt_abi.h, because its contents are ours. The ABI
// (from 0.107) does fix the first word: a function table a caller may use
// instead of PJRT_Api's Error_* entries. jaxlib 0.10.2 never does, but keeping
// the word first costs nothing and keeps newer callers safe.
struct PJRT_Error {
  const PJRT_Error_FunctionTable* vtable;
  int code;  // a PJRT_Error_Code value
  std::string message;
};

namespace applejax::pjrt {

// Caller owns the result; the framework frees it through PJRT_Error_Destroy.
PJRT_Error* make_error(PJRT_Error_Code code, std::string message);

// "<function> is not implemented by the applejax plugin yet", UNIMPLEMENTED.
PJRT_Error* make_unimplemented(const char* function_name);

// PJRT_Api entries.
void applejax_error_destroy(PJRT_Error_Destroy_Args* args);
void applejax_error_message(PJRT_Error_Message_Args* args);
PJRT_Error* applejax_error_get_code(PJRT_Error_GetCode_Args* args);
PJRT_Error* applejax_error_for_each_payload(PJRT_Error_ForEachPayload_Args* args);

// The table stored in every PJRT_Error::vtable.
const PJRT_Error_FunctionTable* error_function_table();

}  // namespace applejax::pjrt
