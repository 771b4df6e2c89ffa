// applejax's own declarations of the PJRT C ABI, written from the published
// layout of PJRT C API 0.112 (the version jaxlib 0.10.2 was built with).
//
// Why our own copy: the project takes no third-party code (DESIGN.md §6), and
// the ABI is a set of facts — member order, field order, field types, enum
// values — not an implementation. Everything here must match the framework
// byte for byte, so the layout checks at the bottom break the build on a slip.
//
// Rules the ABI imposes that shape this file:
//  * Every argument struct starts with {struct_size, extension_start}. The
//    caller writes the size it was compiled with; fields past that size must
//    not be touched, which is how old/new framework and plugin interoperate.
//  * Fields are only ever appended, so "*_STRUCT_SIZE" is the end of the last
//    field we know about, not sizeof (which would include tail padding).
//  * Handles (PJRT_Client, PJRT_Buffer, ...) are opaque to the framework and
//    defined by the plugin — except PJRT_Memory, whose first word the
//    framework reads (see PJRT_Memory below).
//
// Must stay valid C as well as C++, so that a C compile of this header checks
// the layout a non-C++ caller (e.g. an FFI binding) would see.
#ifndef APPLEJAX_NATIVE_PJRT_PJRT_ABI_H_
#define APPLEJAX_NATIVE_PJRT_PJRT_ABI_H_

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#define PJRT_API_MAJOR 0
#define PJRT_API_MINOR 112

// End of `field` inside `type`: the value a caller stores in struct_size.
#define AJ_PJRT_END_OF(type, field) \
  (offsetof(type, field) + sizeof(((type*)0)->field))

#ifdef __cplusplus
#define AJ_PJRT_SIZE(type, last) \
  inline constexpr size_t type##_STRUCT_SIZE = AJ_PJRT_END_OF(type, last);
#else
#define AJ_PJRT_SIZE(type, last) \
  enum { type##_STRUCT_SIZE = AJ_PJRT_END_OF(type, last) };
#endif

// The two words every argument struct begins with.
#define AJ_PJRT_ARGS_HEAD \
  size_t struct_size;     \
  struct PJRT_Extension_Base* extension_start

#ifdef __cplusplus
extern "C" {
#endif

// ============================ extensions ====================================

// Values are positional in the upstream enum; never reorder.
typedef enum {
  PJRT_Extension_Type_Gpu_Custom_Call = 0,
  PJRT_Extension_Type_Profiler = 1,
  PJRT_Extension_Type_Custom_Partitioner = 2,
  PJRT_Extension_Type_Stream = 3,
  PJRT_Extension_Type_Layouts = 4,
  PJRT_Extension_Type_FFI = 5,
  PJRT_Extension_Type_MemoryDescriptions = 6,
  PJRT_Extension_Type_Triton = 7,
  PJRT_Extension_Type_RawBuffer = 8,
  PJRT_Extension_Type_PhaseCompile = 9,
  PJRT_Extension_Type_Example = 10,
  PJRT_Extension_Type_Unknown = 11,
  PJRT_Extension_Type_CrossHostTransfers = 12,
  PJRT_Extension_Type_ExecutableMetadata = 13,
  PJRT_Extension_Type_Callback = 14,
  PJRT_Extension_Type_HostAllocator = 15,
  PJRT_Extension_Type_TpuTopology = 16,
  PJRT_Extension_Type_TpuExecutable = 17,
  PJRT_Extension_Type_Megascale = 18,
  PJRT_Extension_Type_Shardings = 19,
  PJRT_Extension_Type_AbiVersion = 20,
  PJRT_Extension_Type_Collectives = 21,
  PJRT_Extension_Type_MultiSlice = 22,
  PJRT_Extension_Type_HostMemoryAllocator = 23,
  PJRT_Extension_Type_XlaTransform = 24,
} PJRT_Extension_Type;

// A singly linked chain; a plugin offers optional features by hanging
// extension structs (each starting with this header) off PJRT_Api.
typedef struct PJRT_Extension_Base {
  size_t struct_size;
  PJRT_Extension_Type type;
  struct PJRT_Extension_Base* next;
} PJRT_Extension_Base;
AJ_PJRT_SIZE(PJRT_Extension_Base, next)

// ============================== version =====================================

typedef struct PJRT_Api_Version {
  AJ_PJRT_ARGS_HEAD;
  int major_version;
  int minor_version;
} PJRT_Api_Version;
AJ_PJRT_SIZE(PJRT_Api_Version, minor_version)

// =============================== errors =====================================

// Plugin-defined (native/pjrt/error.h). Since 0.107 the published layout puts
// a PJRT_Error_FunctionTable pointer first; jaxlib 0.10.2 only ever reaches
// errors through PJRT_Api, but error.h keeps that word first anyway.
typedef struct PJRT_Error PJRT_Error;

typedef enum {
  PJRT_Error_Code_OK = 0,
  PJRT_Error_Code_CANCELLED = 1,
  PJRT_Error_Code_UNKNOWN = 2,
  PJRT_Error_Code_INVALID_ARGUMENT = 3,
  PJRT_Error_Code_DEADLINE_EXCEEDED = 4,
  PJRT_Error_Code_NOT_FOUND = 5,
  PJRT_Error_Code_ALREADY_EXISTS = 6,
  PJRT_Error_Code_PERMISSION_DENIED = 7,
  PJRT_Error_Code_RESOURCE_EXHAUSTED = 8,
  PJRT_Error_Code_FAILED_PRECONDITION = 9,
  PJRT_Error_Code_ABORTED = 10,
  PJRT_Error_Code_OUT_OF_RANGE = 11,
  PJRT_Error_Code_UNIMPLEMENTED = 12,
  PJRT_Error_Code_INTERNAL = 13,
  PJRT_Error_Code_UNAVAILABLE = 14,
  PJRT_Error_Code_DATA_LOSS = 15,
  PJRT_Error_Code_UNAUTHENTICATED = 16,
} PJRT_Error_Code;

typedef void (*PJRT_Error_PayloadVisitor)(const char* key, size_t key_size,
                                          const char* value, size_t value_size,
                                          void* user_arg);

typedef struct PJRT_Error_FunctionTable {
  size_t struct_size;
  size_t instance_size;
  PJRT_Extension_Base* extension_start;
  void (*destroy)(PJRT_Error* error);
  void (*message)(const PJRT_Error* error, const char** message,
                  size_t* message_size);
  PJRT_Error_Code (*get_code)(const PJRT_Error* error);
  void (*for_each_payload)(const PJRT_Error* error,
                           PJRT_Error_PayloadVisitor visitor, void* user_arg);
} PJRT_Error_FunctionTable;
AJ_PJRT_SIZE(PJRT_Error_FunctionTable, for_each_payload)

typedef struct PJRT_Error_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Error* error;
} PJRT_Error_Destroy_Args;
AJ_PJRT_SIZE(PJRT_Error_Destroy_Args, error)
// One of the few entries returning void: destroying must not itself fail.
typedef void PJRT_Error_Destroy(PJRT_Error_Destroy_Args* args);

typedef struct PJRT_Error_Message_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_Error* error;
  const char* message;  // out; lives as long as `error`
  size_t message_size;  // out
} PJRT_Error_Message_Args;
AJ_PJRT_SIZE(PJRT_Error_Message_Args, message_size)
typedef void PJRT_Error_Message(PJRT_Error_Message_Args* args);

typedef struct PJRT_Error_GetCode_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_Error* error;
  PJRT_Error_Code code;  // out
} PJRT_Error_GetCode_Args;
AJ_PJRT_SIZE(PJRT_Error_GetCode_Args, code)
typedef PJRT_Error* PJRT_Error_GetCode(PJRT_Error_GetCode_Args* args);

typedef struct PJRT_Error_ForEachPayload_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_Error* error;
  PJRT_Error_PayloadVisitor visitor;
  void* user_arg;
} PJRT_Error_ForEachPayload_Args;
AJ_PJRT_SIZE(PJRT_Error_ForEachPayload_Args, user_arg)
typedef PJRT_Error* PJRT_Error_ForEachPayload(
    PJRT_Error_ForEachPayload_Args* args);

// Handed by the plugin to framework callbacks so they can build an error the
// plugin owns; the callee must copy `message`.
typedef PJRT_Error* (*PJRT_CallbackError)(PJRT_Error_Code code,
                                          const char* message,
                                          size_t message_size);

// ============================ named values ==================================

typedef enum {
  PJRT_NamedValue_kString = 0,
  PJRT_NamedValue_kInt64 = 1,
  PJRT_NamedValue_kInt64List = 2,
  PJRT_NamedValue_kFloat = 3,
  PJRT_NamedValue_kBool = 4,
} PJRT_NamedValue_Type;

typedef struct PJRT_NamedValue {
  AJ_PJRT_ARGS_HEAD;
  const char* name;
  size_t name_size;
  PJRT_NamedValue_Type type;
  union {
    const char* string_value;
    int64_t int64_value;
    const int64_t* int64_array_value;
    float float_value;
    bool bool_value;
  };
  size_t value_size;  // element count for strings/lists, 1 for scalars
} PJRT_NamedValue;
AJ_PJRT_SIZE(PJRT_NamedValue, value_size)

// =============================== plugin =====================================

typedef struct PJRT_Plugin_Initialize_Args {
  AJ_PJRT_ARGS_HEAD;
} PJRT_Plugin_Initialize_Args;
AJ_PJRT_SIZE(PJRT_Plugin_Initialize_Args, extension_start)
typedef PJRT_Error* PJRT_Plugin_Initialize(PJRT_Plugin_Initialize_Args* args);

// jaxlib reads "stablehlo_current_version" / "stablehlo_minimum_version"
// (kInt64List of 3) and "xla_version" (kInt64) from here to pick the
// serialization version of the programs it sends us.
typedef struct PJRT_Plugin_Attributes_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_NamedValue* attributes;  // out; must live for the process
  size_t num_attributes;              // out
} PJRT_Plugin_Attributes_Args;
AJ_PJRT_SIZE(PJRT_Plugin_Attributes_Args, num_attributes)
typedef PJRT_Error* PJRT_Plugin_Attributes(PJRT_Plugin_Attributes_Args* args);

// =============================== events =====================================

typedef struct PJRT_Event PJRT_Event;

typedef struct PJRT_Event_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;
} PJRT_Event_Destroy_Args;
AJ_PJRT_SIZE(PJRT_Event_Destroy_Args, event)
typedef PJRT_Error* PJRT_Event_Destroy(PJRT_Event_Destroy_Args* args);

typedef struct PJRT_Event_IsReady_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;
  bool is_ready;  // out
} PJRT_Event_IsReady_Args;
AJ_PJRT_SIZE(PJRT_Event_IsReady_Args, is_ready)
typedef PJRT_Error* PJRT_Event_IsReady(PJRT_Event_IsReady_Args* args);

// Returns the event's own failure (a fresh PJRT_Error the caller frees) or
// null; the call itself cannot fail separately.
typedef struct PJRT_Event_Error_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;
} PJRT_Event_Error_Args;
AJ_PJRT_SIZE(PJRT_Event_Error_Args, event)
typedef PJRT_Error* PJRT_Event_Error(PJRT_Event_Error_Args* args);

typedef struct PJRT_Event_Await_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;
} PJRT_Event_Await_Args;
AJ_PJRT_SIZE(PJRT_Event_Await_Args, event)
typedef PJRT_Error* PJRT_Event_Await(PJRT_Event_Await_Args* args);

// The callback takes ownership of `error` (may be null).
typedef void (*PJRT_Event_OnReadyCallback)(PJRT_Error* error, void* user_arg);

typedef struct PJRT_Event_OnReady_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;
  PJRT_Event_OnReadyCallback callback;
  void* user_arg;
} PJRT_Event_OnReady_Args;
AJ_PJRT_SIZE(PJRT_Event_OnReady_Args, user_arg)
typedef PJRT_Error* PJRT_Event_OnReady(PJRT_Event_OnReady_Args* args);

typedef struct PJRT_Event_Create_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;  // out
} PJRT_Event_Create_Args;
AJ_PJRT_SIZE(PJRT_Event_Create_Args, event)
typedef PJRT_Error* PJRT_Event_Create(PJRT_Event_Create_Args* args);

typedef struct PJRT_Event_Set_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Event* event;
  PJRT_Error_Code error_code;
  const char* error_message;  // borrowed for the call only
  size_t error_message_size;
} PJRT_Event_Set_Args;
AJ_PJRT_SIZE(PJRT_Event_Set_Args, error_message_size)
typedef PJRT_Error* PJRT_Event_Set(PJRT_Event_Set_Args* args);

// ============================ handle types ==================================

typedef struct PJRT_Client PJRT_Client;
typedef struct PJRT_Device PJRT_Device;
typedef struct PJRT_DeviceDescription PJRT_DeviceDescription;
typedef struct PJRT_TopologyDescription PJRT_TopologyDescription;
typedef struct PJRT_Executable PJRT_Executable;
typedef struct PJRT_LoadedExecutable PJRT_LoadedExecutable;
typedef struct PJRT_Buffer PJRT_Buffer;
typedef struct PJRT_FulfillAliasBufferCallback PJRT_FulfillAliasBufferCallback;
typedef struct PJRT_AsyncHostToDeviceTransferManager
    PJRT_AsyncHostToDeviceTransferManager;
typedef struct PJRT_PhaseCompiler PJRT_PhaseCompiler;
typedef struct PJRT_ExecuteContext PJRT_ExecuteContext;
typedef struct PJRT_CopyToDeviceStream PJRT_CopyToDeviceStream;
typedef struct PJRT_AsyncTrackingEvent PJRT_AsyncTrackingEvent;
typedef struct PJRT_Device_Attributes PJRT_Device_Attributes;
typedef struct PJRT_DeviceAssignmentSerialized PJRT_DeviceAssignmentSerialized;
typedef struct PJRT_SerializedExecutable PJRT_SerializedExecutable;
typedef struct PJRT_SerializedCompileOptions PJRT_SerializedCompileOptions;
typedef struct PJRT_SerializedTopology PJRT_SerializedTopology;
typedef struct PJRT_MultiSlice_Config PJRT_MultiSlice_Config;

// Memory is the one handle whose layout is not private: from 0.105 on, a
// framework that sees plugin minor >= 105 reads `vtable` (null is allowed) and
// calls set_user_data/get_user_data to cache its wrapper object. Plugin memory
// objects must therefore begin with this struct (derive from it in C++).
typedef struct PJRT_Memory PJRT_Memory;

typedef struct PJRT_Memory_FunctionTable {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  size_t instance_struct_size;
  void* (*get_user_data)(PJRT_Memory* memory, const void* key);
  void (*set_user_data)(PJRT_Memory* memory, const void* key, void* data,
                        void (*dtor)(void*));
} PJRT_Memory_FunctionTable;
AJ_PJRT_SIZE(PJRT_Memory_FunctionTable, set_user_data)

struct PJRT_Memory {
  const PJRT_Memory_FunctionTable* vtable;
};
AJ_PJRT_SIZE(PJRT_Memory, vtable)

// ============================ element types =================================

// Positional values; a wrong one here silently reinterprets user data.
typedef enum {
  PJRT_Buffer_Type_INVALID = 0,
  PJRT_Buffer_Type_PRED = 1,
  PJRT_Buffer_Type_S8 = 2,
  PJRT_Buffer_Type_S16 = 3,
  PJRT_Buffer_Type_S32 = 4,
  PJRT_Buffer_Type_S64 = 5,
  PJRT_Buffer_Type_U8 = 6,
  PJRT_Buffer_Type_U16 = 7,
  PJRT_Buffer_Type_U32 = 8,
  PJRT_Buffer_Type_U64 = 9,
  PJRT_Buffer_Type_F16 = 10,
  PJRT_Buffer_Type_F32 = 11,
  PJRT_Buffer_Type_F64 = 12,
  PJRT_Buffer_Type_BF16 = 13,
  PJRT_Buffer_Type_C64 = 14,
  PJRT_Buffer_Type_C128 = 15,
  PJRT_Buffer_Type_F8E5M2 = 16,
  PJRT_Buffer_Type_F8E4M3FN = 17,
  PJRT_Buffer_Type_F8E4M3B11FNUZ = 18,
  PJRT_Buffer_Type_F8E5M2FNUZ = 19,
  PJRT_Buffer_Type_F8E4M3FNUZ = 20,
  PJRT_Buffer_Type_S4 = 21,
  PJRT_Buffer_Type_U4 = 22,
  PJRT_Buffer_Type_TOKEN = 23,
  PJRT_Buffer_Type_S2 = 24,
  PJRT_Buffer_Type_U2 = 25,
  PJRT_Buffer_Type_F8E4M3 = 26,
  PJRT_Buffer_Type_F8E3M4 = 27,
  PJRT_Buffer_Type_F8E8M0FNU = 28,
  PJRT_Buffer_Type_F4E2M1FN = 29,
  PJRT_Buffer_Type_S1 = 30,
  PJRT_Buffer_Type_U1 = 31,
} PJRT_Buffer_Type;

typedef enum {
  // Copy before returning; the host memory may change right after.
  PJRT_HostBufferSemantics_kImmutableOnlyDuringCall = 0,
  // Host memory stays valid until done_with_host_buffer fires.
  PJRT_HostBufferSemantics_kImmutableUntilTransferCompletes = 1,
  // The buffer may alias the host memory (which stays unchanged).
  PJRT_HostBufferSemantics_kImmutableZeroCopy = 2,
  PJRT_HostBufferSemantics_kMutableZeroCopy = 3,
} PJRT_HostBufferSemantics;

typedef enum {
  PJRT_Buffer_MemoryLayout_Type_Tiled = 0,
  PJRT_Buffer_MemoryLayout_Type_Strides = 1,
} PJRT_Buffer_MemoryLayout_Type;

typedef struct PJRT_Buffer_MemoryLayout_Tiled {
  AJ_PJRT_ARGS_HEAD;
  const int64_t* minor_to_major;
  size_t minor_to_major_size;
  const int64_t* tile_dims;       // all tiles' dims, concatenated
  const size_t* tile_dim_sizes;   // rank of each tile
  size_t num_tiles;
} PJRT_Buffer_MemoryLayout_Tiled;
AJ_PJRT_SIZE(PJRT_Buffer_MemoryLayout_Tiled, num_tiles)

typedef struct PJRT_Buffer_MemoryLayout_Strides {
  AJ_PJRT_ARGS_HEAD;
  const int64_t* byte_strides;
  size_t num_byte_strides;
} PJRT_Buffer_MemoryLayout_Strides;
AJ_PJRT_SIZE(PJRT_Buffer_MemoryLayout_Strides, num_byte_strides)

typedef struct PJRT_Buffer_MemoryLayout {
  AJ_PJRT_ARGS_HEAD;
  union {
    PJRT_Buffer_MemoryLayout_Tiled tiled;
    PJRT_Buffer_MemoryLayout_Strides strides;
  };
  PJRT_Buffer_MemoryLayout_Type type;  // says which union member is live
} PJRT_Buffer_MemoryLayout;
AJ_PJRT_SIZE(PJRT_Buffer_MemoryLayout, type)

typedef struct PJRT_ShapeSpec {
  AJ_PJRT_ARGS_HEAD;
  const int64_t* dims;
  size_t num_dims;
  PJRT_Buffer_Type element_type;
} PJRT_ShapeSpec;
AJ_PJRT_SIZE(PJRT_ShapeSpec, element_type)

// ============================== programs ====================================

// `format` is "mlir" for what jaxlib sends (StableHLO/VHLO bytecode, or
// text); "hlo"/"hlo_with_config" carry serialized HLO protos.
typedef struct PJRT_Program {
  AJ_PJRT_ARGS_HEAD;
  char* code;  // in for Compile; out (caller-sized) for OptimizedProgram
  size_t code_size;
  const char* format;
  size_t format_size;
} PJRT_Program;
AJ_PJRT_SIZE(PJRT_Program, format_size)

// =============================== client =====================================

// Optional cross-process key-value store the framework lends the plugin
// (needed only for multi-process clients).
typedef void (*PJRT_KeyValueGetCallback_ValueDeleter)(char* value);

typedef struct PJRT_KeyValueGetCallback_Args {
  AJ_PJRT_ARGS_HEAD;
  const char* key;
  size_t key_size;
  int timeout_in_ms;
  PJRT_CallbackError* callback_error;
  void* user_arg;
  char* value;        // out
  size_t value_size;  // out
  PJRT_KeyValueGetCallback_ValueDeleter value_deleter_callback;  // out
} PJRT_KeyValueGetCallback_Args;
AJ_PJRT_SIZE(PJRT_KeyValueGetCallback_Args, value_deleter_callback)
typedef PJRT_Error* (*PJRT_KeyValueGetCallback)(
    PJRT_KeyValueGetCallback_Args* args);

typedef void (*PJRT_KeyValueTryGetCallback_ValueDeleter)(char* value);

typedef struct PJRT_KeyValueTryGetCallback_Args {
  AJ_PJRT_ARGS_HEAD;
  const char* key;
  size_t key_size;
  PJRT_CallbackError* callback_error;
  void* user_arg;
  char* value;        // out
  size_t value_size;  // out
  PJRT_KeyValueTryGetCallback_ValueDeleter value_deleter_callback;  // out
} PJRT_KeyValueTryGetCallback_Args;
AJ_PJRT_SIZE(PJRT_KeyValueTryGetCallback_Args, value_deleter_callback)
typedef PJRT_Error* (*PJRT_KeyValueTryGetCallback)(
    PJRT_KeyValueTryGetCallback_Args* args);

typedef struct PJRT_KeyValuePutCallback_Args {
  AJ_PJRT_ARGS_HEAD;
  const char* key;
  size_t key_size;
  const char* value;
  size_t value_size;
  PJRT_CallbackError* callback_error;
  void* user_arg;
} PJRT_KeyValuePutCallback_Args;
AJ_PJRT_SIZE(PJRT_KeyValuePutCallback_Args, user_arg)
typedef PJRT_Error* (*PJRT_KeyValuePutCallback)(
    PJRT_KeyValuePutCallback_Args* args);

typedef struct PJRT_Client_Create_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_NamedValue* create_options;
  size_t num_options;
  PJRT_KeyValueGetCallback kv_get_callback;
  void* kv_get_user_arg;
  PJRT_KeyValuePutCallback kv_put_callback;
  void* kv_put_user_arg;
  PJRT_Client* client;  // out
  PJRT_KeyValueTryGetCallback kv_try_get_callback;
  void* kv_try_get_user_arg;
} PJRT_Client_Create_Args;
AJ_PJRT_SIZE(PJRT_Client_Create_Args, kv_try_get_user_arg)
typedef PJRT_Error* PJRT_Client_Create(PJRT_Client_Create_Args* args);

typedef struct PJRT_Client_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
} PJRT_Client_Destroy_Args;
AJ_PJRT_SIZE(PJRT_Client_Destroy_Args, client)
typedef PJRT_Error* PJRT_Client_Destroy(PJRT_Client_Destroy_Args* args);

// Out-strings of the client queries are owned by the client.
typedef struct PJRT_Client_PlatformName_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  const char* platform_name;  // out
  size_t platform_name_size;  // out
} PJRT_Client_PlatformName_Args;
AJ_PJRT_SIZE(PJRT_Client_PlatformName_Args, platform_name_size)
typedef PJRT_Error* PJRT_Client_PlatformName(
    PJRT_Client_PlatformName_Args* args);

typedef struct PJRT_Client_ProcessIndex_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  int process_index;  // out
} PJRT_Client_ProcessIndex_Args;
AJ_PJRT_SIZE(PJRT_Client_ProcessIndex_Args, process_index)
typedef PJRT_Error* PJRT_Client_ProcessIndex(
    PJRT_Client_ProcessIndex_Args* args);

typedef struct PJRT_Client_PlatformVersion_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  const char* platform_version;  // out
  size_t platform_version_size;  // out
} PJRT_Client_PlatformVersion_Args;
AJ_PJRT_SIZE(PJRT_Client_PlatformVersion_Args, platform_version_size)
typedef PJRT_Error* PJRT_Client_PlatformVersion(
    PJRT_Client_PlatformVersion_Args* args);

typedef struct PJRT_Client_TopologyDescription_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_TopologyDescription* topology;  // out; owned by the client
} PJRT_Client_TopologyDescription_Args;
AJ_PJRT_SIZE(PJRT_Client_TopologyDescription_Args, topology)
typedef PJRT_Error* PJRT_Client_TopologyDescription(
    PJRT_Client_TopologyDescription_Args* args);

typedef struct PJRT_Client_Devices_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Device* const* devices;  // out
  size_t num_devices;           // out
} PJRT_Client_Devices_Args;
AJ_PJRT_SIZE(PJRT_Client_Devices_Args, num_devices)
typedef PJRT_Error* PJRT_Client_Devices(PJRT_Client_Devices_Args* args);

typedef struct PJRT_Client_AddressableDevices_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Device* const* addressable_devices;  // out
  size_t num_addressable_devices;           // out
} PJRT_Client_AddressableDevices_Args;
AJ_PJRT_SIZE(PJRT_Client_AddressableDevices_Args, num_addressable_devices)
typedef PJRT_Error* PJRT_Client_AddressableDevices(
    PJRT_Client_AddressableDevices_Args* args);

typedef struct PJRT_Client_LookupDevice_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  int id;               // global id, as DeviceDescription_Id reports
  PJRT_Device* device;  // out
} PJRT_Client_LookupDevice_Args;
AJ_PJRT_SIZE(PJRT_Client_LookupDevice_Args, device)
typedef PJRT_Error* PJRT_Client_LookupDevice(
    PJRT_Client_LookupDevice_Args* args);

typedef struct PJRT_Client_LookupAddressableDevice_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  int local_hardware_id;
  PJRT_Device* addressable_device;  // out
} PJRT_Client_LookupAddressableDevice_Args;
AJ_PJRT_SIZE(PJRT_Client_LookupAddressableDevice_Args, addressable_device)
typedef PJRT_Error* PJRT_Client_LookupAddressableDevice(
    PJRT_Client_LookupAddressableDevice_Args* args);

typedef enum {
  PJRT_ProcessState_kUnspecified = 0,
  PJRT_ProcessState_kUninitialized = 1,
  PJRT_ProcessState_kDisconnected = 2,
  PJRT_ProcessState_kConnected = 3,
  PJRT_ProcessState_kError = 4,
} PJRT_ProcessState;

// No extension_start here: this is a data record, not an argument struct.
typedef struct PJRT_ProcessInfo {
  size_t struct_size;
  int task_id;
  uint64_t incarnation_id;
  PJRT_ProcessState state;
  int error_code;
  const char* error_message;
  size_t error_message_size;
} PJRT_ProcessInfo;
AJ_PJRT_SIZE(PJRT_ProcessInfo, error_message_size)

typedef struct PJRT_Client_UpdateGlobalProcessInfo_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_ProcessInfo* process_infos;
  size_t num_process_infos;
} PJRT_Client_UpdateGlobalProcessInfo_Args;
AJ_PJRT_SIZE(PJRT_Client_UpdateGlobalProcessInfo_Args, num_process_infos)
typedef PJRT_Error* PJRT_Client_UpdateGlobalProcessInfo(
    PJRT_Client_UpdateGlobalProcessInfo_Args* args);

typedef struct PJRT_Client_AddressableMemories_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Memory* const* addressable_memories;  // out
  size_t num_addressable_memories;           // out
} PJRT_Client_AddressableMemories_Args;
AJ_PJRT_SIZE(PJRT_Client_AddressableMemories_Args, num_addressable_memories)
typedef PJRT_Error* PJRT_Client_AddressableMemories(
    PJRT_Client_AddressableMemories_Args* args);

// compile_options is a serialized xla.CompileOptionsProto.
typedef struct PJRT_Client_Compile_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  const PJRT_Program* program;
  const char* compile_options;
  size_t compile_options_size;
  PJRT_LoadedExecutable* executable;  // out
} PJRT_Client_Compile_Args;
AJ_PJRT_SIZE(PJRT_Client_Compile_Args, executable)
typedef PJRT_Error* PJRT_Client_Compile(PJRT_Client_Compile_Args* args);

typedef struct PJRT_Client_Load_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Executable* executable;
  const char* compile_options;
  size_t compile_options_size;
  PJRT_LoadedExecutable* loaded_executable;  // out
} PJRT_Client_Load_Args;
AJ_PJRT_SIZE(PJRT_Client_Load_Args, loaded_executable)
typedef PJRT_Error* PJRT_Client_Load(PJRT_Client_Load_Args* args);

// The caller allocates default_assignment (replicas x partitions ints).
typedef struct PJRT_Client_DefaultDeviceAssignment_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  int num_replicas;
  int num_partitions;
  size_t default_assignment_size;
  int* default_assignment;  // out (caller-owned storage)
} PJRT_Client_DefaultDeviceAssignment_Args;
AJ_PJRT_SIZE(PJRT_Client_DefaultDeviceAssignment_Args, default_assignment)
typedef PJRT_Error* PJRT_Client_DefaultDeviceAssignment(
    PJRT_Client_DefaultDeviceAssignment_Args* args);

typedef struct PJRT_Client_DmaMap_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  void* data;
  size_t size;
} PJRT_Client_DmaMap_Args;
AJ_PJRT_SIZE(PJRT_Client_DmaMap_Args, size)
typedef PJRT_Error* PJRT_Client_DmaMap(PJRT_Client_DmaMap_Args* args);

typedef struct PJRT_Client_DmaUnmap_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  void* data;
} PJRT_Client_DmaUnmap_Args;
AJ_PJRT_SIZE(PJRT_Client_DmaUnmap_Args, data)
typedef PJRT_Error* PJRT_Client_DmaUnmap(PJRT_Client_DmaUnmap_Args* args);

typedef struct PJRT_Client_CreateUninitializedBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  const int64_t* shape_dims;
  size_t shape_num_dims;
  PJRT_Buffer_Type shape_element_type;
  PJRT_Buffer_MemoryLayout* shape_layout;
  PJRT_Device* device;
  PJRT_Memory* memory;
  PJRT_Buffer* buffer;  // out
} PJRT_Client_CreateUninitializedBuffer_Args;
AJ_PJRT_SIZE(PJRT_Client_CreateUninitializedBuffer_Args, buffer)
typedef PJRT_Error* PJRT_Client_CreateUninitializedBuffer(
    PJRT_Client_CreateUninitializedBuffer_Args* args);

typedef struct PJRT_Client_CreateErrorBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Error_Code error_code;
  const char* error_message;
  size_t error_message_size;
  const int64_t* shape_dims;
  size_t shape_num_dims;
  PJRT_Buffer_Type shape_element_type;
  PJRT_Buffer_MemoryLayout* shape_layout;
  PJRT_Memory* memory;
  PJRT_Buffer* buffer;  // out
  const PJRT_NamedValue* payload;
  size_t num_payload;
} PJRT_Client_CreateErrorBuffer_Args;
AJ_PJRT_SIZE(PJRT_Client_CreateErrorBuffer_Args, num_payload)
typedef PJRT_Error* PJRT_Client_CreateErrorBuffer(
    PJRT_Client_CreateErrorBuffer_Args* args);

typedef struct PJRT_Client_CreateAliasBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Memory* memory;
  const int64_t* shape_dims;
  size_t shape_num_dims;
  PJRT_Buffer_Type shape_element_type;
  PJRT_Buffer_MemoryLayout* shape_layout;
  PJRT_Buffer* alias_buffer;                                 // out
  PJRT_FulfillAliasBufferCallback* fulfill_alias_buffer_cb;  // out
} PJRT_Client_CreateAliasBuffer_Args;
AJ_PJRT_SIZE(PJRT_Client_CreateAliasBuffer_Args, fulfill_alias_buffer_cb)
typedef PJRT_Error* PJRT_Client_CreateAliasBuffer(
    PJRT_Client_CreateAliasBuffer_Args* args);

typedef struct PJRT_Client_FulfillAliasBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_Buffer* buffer;
  PJRT_Error_Code status_code;
  const char* error_message;
  size_t error_message_size;
  PJRT_FulfillAliasBufferCallback* fulfill_alias_buffer_cb;
} PJRT_Client_FulfillAliasBuffer_Args;
AJ_PJRT_SIZE(PJRT_Client_FulfillAliasBuffer_Args, fulfill_alias_buffer_cb)
typedef PJRT_Error* PJRT_Client_FulfillAliasBuffer(
    PJRT_Client_FulfillAliasBuffer_Args* args);

// The main host->device path (jax.device_put, jit arguments from numpy).
// byte_strides == null means dense row-major. Either `device` or `memory`
// names the destination. done_with_host_buffer tells the caller when `data`
// may be released/reused (required unless the semantics copy during the call).
typedef struct PJRT_Client_BufferFromHostBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  const void* data;
  PJRT_Buffer_Type type;
  const int64_t* dims;
  size_t num_dims;
  const int64_t* byte_strides;
  size_t num_byte_strides;
  PJRT_HostBufferSemantics host_buffer_semantics;
  PJRT_Device* device;
  PJRT_Memory* memory;
  PJRT_Buffer_MemoryLayout* device_layout;  // null: plugin's default
  PJRT_Event* done_with_host_buffer;        // out
  PJRT_Buffer* buffer;                      // out
} PJRT_Client_BufferFromHostBuffer_Args;
AJ_PJRT_SIZE(PJRT_Client_BufferFromHostBuffer_Args, buffer)
typedef PJRT_Error* PJRT_Client_BufferFromHostBuffer(
    PJRT_Client_BufferFromHostBuffer_Args* args);

typedef struct PJRT_Client_CreateViewOfDeviceBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  void* device_buffer_ptr;
  const int64_t* dims;
  size_t num_dims;
  PJRT_Buffer_Type element_type;
  PJRT_Buffer_MemoryLayout* layout;
  PJRT_Device* device;
  void (*on_delete_callback)(void* device_buffer_ptr, void* user_arg);
  void* on_delete_callback_arg;
  intptr_t stream;
  PJRT_Buffer* buffer;  // out
  PJRT_Memory* memory;
} PJRT_Client_CreateViewOfDeviceBuffer_Args;
AJ_PJRT_SIZE(PJRT_Client_CreateViewOfDeviceBuffer_Args, memory)
typedef PJRT_Error* PJRT_Client_CreateViewOfDeviceBuffer(
    PJRT_Client_CreateViewOfDeviceBuffer_Args* args);

typedef struct PJRT_Client_CreateBuffersForAsyncHostToDevice_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  PJRT_ShapeSpec* shape_specs;
  size_t num_shape_specs;
  PJRT_Buffer_MemoryLayout** device_layouts;  // optional, one per spec
  size_t num_device_layouts;
  PJRT_Memory* memory;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;  // out
} PJRT_Client_CreateBuffersForAsyncHostToDevice_Args;
AJ_PJRT_SIZE(PJRT_Client_CreateBuffersForAsyncHostToDevice_Args,
             transfer_manager)
typedef PJRT_Error* PJRT_Client_CreateBuffersForAsyncHostToDevice(
    PJRT_Client_CreateBuffersForAsyncHostToDevice_Args* args);

// ==================== async host-to-device transfers ========================

typedef struct PJRT_AsyncHostToDeviceTransferManager_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
} PJRT_AsyncHostToDeviceTransferManager_Destroy_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_Destroy_Args,
             transfer_manager)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_Destroy(
    PJRT_AsyncHostToDeviceTransferManager_Destroy_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_TransferData_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  int buffer_index;
  const void* data;
  int64_t offset;
  int64_t transfer_size;
  bool is_last_transfer;
  PJRT_Event* done_with_h2d_transfer;  // out
} PJRT_AsyncHostToDeviceTransferManager_TransferData_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_TransferData_Args,
             done_with_h2d_transfer)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_TransferData(
    PJRT_AsyncHostToDeviceTransferManager_TransferData_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  int buffer_index;
  PJRT_Buffer* buffer_out;  // out
} PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer_Args,
             buffer_out)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer(
    PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_Device_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  PJRT_Device* device_out;  // out
} PJRT_AsyncHostToDeviceTransferManager_Device_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_Device_Args, device_out)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_Device(
    PJRT_AsyncHostToDeviceTransferManager_Device_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_BufferCount_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  size_t buffer_count;  // out
} PJRT_AsyncHostToDeviceTransferManager_BufferCount_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_BufferCount_Args,
             buffer_count)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_BufferCount(
    PJRT_AsyncHostToDeviceTransferManager_BufferCount_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_BufferSize_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  int buffer_index;
  size_t buffer_size;  // out
} PJRT_AsyncHostToDeviceTransferManager_BufferSize_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_BufferSize_Args,
             buffer_size)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_BufferSize(
    PJRT_AsyncHostToDeviceTransferManager_BufferSize_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_SetBufferError_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  int buffer_index;
  PJRT_Error_Code error_code;
  const char* error_message;
  size_t error_message_size;
} PJRT_AsyncHostToDeviceTransferManager_SetBufferError_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_SetBufferError_Args,
             error_message_size)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_SetBufferError(
    PJRT_AsyncHostToDeviceTransferManager_SetBufferError_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_AddMetadata_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  const PJRT_NamedValue* transfer_metadata;
  size_t num_metadata;
} PJRT_AsyncHostToDeviceTransferManager_AddMetadata_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_AddMetadata_Args,
             num_metadata)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_AddMetadata(
    PJRT_AsyncHostToDeviceTransferManager_AddMetadata_Args* args);

typedef struct PJRT_AsyncHostToDeviceTransferManager_TransferLiteral_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncHostToDeviceTransferManager* transfer_manager;
  int buffer_index;
  const void* data;
  const int64_t* shape_dims;
  size_t shape_num_dims;
  PJRT_Buffer_Type shape_element_type;
  PJRT_Buffer_MemoryLayout* shape_layout;
  PJRT_Event* done_with_h2d_transfer;  // out
} PJRT_AsyncHostToDeviceTransferManager_TransferLiteral_Args;
AJ_PJRT_SIZE(PJRT_AsyncHostToDeviceTransferManager_TransferLiteral_Args,
             done_with_h2d_transfer)
typedef PJRT_Error* PJRT_AsyncHostToDeviceTransferManager_TransferLiteral(
    PJRT_AsyncHostToDeviceTransferManager_TransferLiteral_Args* args);

// ========================= device descriptions ==============================

typedef struct PJRT_DeviceDescription_Id_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_DeviceDescription* device_description;
  int id;  // out
} PJRT_DeviceDescription_Id_Args;
AJ_PJRT_SIZE(PJRT_DeviceDescription_Id_Args, id)
typedef PJRT_Error* PJRT_DeviceDescription_Id(
    PJRT_DeviceDescription_Id_Args* args);

typedef struct PJRT_DeviceDescription_ProcessIndex_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_DeviceDescription* device_description;
  int process_index;  // out
} PJRT_DeviceDescription_ProcessIndex_Args;
AJ_PJRT_SIZE(PJRT_DeviceDescription_ProcessIndex_Args, process_index)
typedef PJRT_Error* PJRT_DeviceDescription_ProcessIndex(
    PJRT_DeviceDescription_ProcessIndex_Args* args);

// Note the order: count first, then the array (unlike most list outputs).
typedef struct PJRT_DeviceDescription_Attributes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_DeviceDescription* device_description;
  size_t num_attributes;              // out
  const PJRT_NamedValue* attributes;  // out
} PJRT_DeviceDescription_Attributes_Args;
AJ_PJRT_SIZE(PJRT_DeviceDescription_Attributes_Args, attributes)
typedef PJRT_Error* PJRT_DeviceDescription_Attributes(
    PJRT_DeviceDescription_Attributes_Args* args);

typedef struct PJRT_DeviceDescription_Kind_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_DeviceDescription* device_description;
  const char* device_kind;  // out
  size_t device_kind_size;  // out
} PJRT_DeviceDescription_Kind_Args;
AJ_PJRT_SIZE(PJRT_DeviceDescription_Kind_Args, device_kind_size)
typedef PJRT_Error* PJRT_DeviceDescription_Kind(
    PJRT_DeviceDescription_Kind_Args* args);

typedef struct PJRT_DeviceDescription_DebugString_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_DeviceDescription* device_description;
  const char* debug_string;  // out
  size_t debug_string_size;  // out
} PJRT_DeviceDescription_DebugString_Args;
AJ_PJRT_SIZE(PJRT_DeviceDescription_DebugString_Args, debug_string_size)
typedef PJRT_Error* PJRT_DeviceDescription_DebugString(
    PJRT_DeviceDescription_DebugString_Args* args);

typedef struct PJRT_DeviceDescription_ToString_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_DeviceDescription* device_description;
  const char* to_string;  // out
  size_t to_string_size;  // out
} PJRT_DeviceDescription_ToString_Args;
AJ_PJRT_SIZE(PJRT_DeviceDescription_ToString_Args, to_string_size)
typedef PJRT_Error* PJRT_DeviceDescription_ToString(
    PJRT_DeviceDescription_ToString_Args* args);

// =============================== devices ====================================

typedef struct PJRT_Device_GetDescription_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  PJRT_DeviceDescription* device_description;  // out; owned by the device
} PJRT_Device_GetDescription_Args;
AJ_PJRT_SIZE(PJRT_Device_GetDescription_Args, device_description)
typedef PJRT_Error* PJRT_Device_GetDescription(
    PJRT_Device_GetDescription_Args* args);

typedef struct PJRT_Device_IsAddressable_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  bool is_addressable;  // out
} PJRT_Device_IsAddressable_Args;
AJ_PJRT_SIZE(PJRT_Device_IsAddressable_Args, is_addressable)
typedef PJRT_Error* PJRT_Device_IsAddressable(
    PJRT_Device_IsAddressable_Args* args);

typedef struct PJRT_Device_LocalHardwareId_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  int local_hardware_id;  // out; -1 when not addressable
} PJRT_Device_LocalHardwareId_Args;
AJ_PJRT_SIZE(PJRT_Device_LocalHardwareId_Args, local_hardware_id)
typedef PJRT_Error* PJRT_Device_LocalHardwareId(
    PJRT_Device_LocalHardwareId_Args* args);

typedef struct PJRT_Device_AddressableMemories_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  PJRT_Memory* const* memories;  // out
  size_t num_memories;           // out
} PJRT_Device_AddressableMemories_Args;
AJ_PJRT_SIZE(PJRT_Device_AddressableMemories_Args, num_memories)
typedef PJRT_Error* PJRT_Device_AddressableMemories(
    PJRT_Device_AddressableMemories_Args* args);

typedef struct PJRT_Device_DefaultMemory_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  PJRT_Memory* memory;  // out
} PJRT_Device_DefaultMemory_Args;
AJ_PJRT_SIZE(PJRT_Device_DefaultMemory_Args, memory)
typedef PJRT_Error* PJRT_Device_DefaultMemory(
    PJRT_Device_DefaultMemory_Args* args);

// Only bytes_in_use is mandatory; each optional value has an *_is_set flag.
typedef struct PJRT_Device_MemoryStats_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  int64_t bytes_in_use;
  int64_t peak_bytes_in_use;
  bool peak_bytes_in_use_is_set;
  int64_t num_allocs;
  bool num_allocs_is_set;
  int64_t largest_alloc_size;
  bool largest_alloc_size_is_set;
  int64_t bytes_limit;
  bool bytes_limit_is_set;
  int64_t bytes_reserved;
  bool bytes_reserved_is_set;
  int64_t peak_bytes_reserved;
  bool peak_bytes_reserved_is_set;
  int64_t bytes_reservable_limit;
  bool bytes_reservable_limit_is_set;
  int64_t largest_free_block_bytes;
  bool largest_free_block_bytes_is_set;
  int64_t pool_bytes;
  bool pool_bytes_is_set;
  int64_t peak_pool_bytes;
  bool peak_pool_bytes_is_set;
} PJRT_Device_MemoryStats_Args;
AJ_PJRT_SIZE(PJRT_Device_MemoryStats_Args, peak_pool_bytes_is_set)
typedef PJRT_Error* PJRT_Device_MemoryStats(PJRT_Device_MemoryStats_Args* args);

typedef struct PJRT_Device_ClearMemoryStats_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
} PJRT_Device_ClearMemoryStats_Args;
AJ_PJRT_SIZE(PJRT_Device_ClearMemoryStats_Args, device)
typedef PJRT_Error* PJRT_Device_ClearMemoryStats(
    PJRT_Device_ClearMemoryStats_Args* args);

typedef struct PJRT_Device_PoisonExecution_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  int32_t launch_id;
  PJRT_Error_Code error_code;
  const char* error_message;
  size_t error_message_size;
  bool poisoned;  // out
  const PJRT_NamedValue* payload;
  size_t num_payload;
} PJRT_Device_PoisonExecution_Args;
AJ_PJRT_SIZE(PJRT_Device_PoisonExecution_Args, num_payload)
typedef PJRT_Error* PJRT_Device_PoisonExecution(
    PJRT_Device_PoisonExecution_Args* args);

typedef struct PJRT_Device_GetAttributes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  const PJRT_NamedValue* attributes;          // out
  size_t num_attributes;                      // out
  PJRT_Device_Attributes* device_attributes;  // out; freed via the deleter
  void (*attributes_deleter)(PJRT_Device_Attributes* device_attributes);
} PJRT_Device_GetAttributes_Args;
AJ_PJRT_SIZE(PJRT_Device_GetAttributes_Args, attributes_deleter)
typedef PJRT_Error* PJRT_Device_GetAttributes(
    PJRT_Device_GetAttributes_Args* args);

typedef struct PJRT_Device_CreateAsyncTrackingEvent_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Device* device;
  const char* description;
  size_t description_size;
  PJRT_AsyncTrackingEvent* event;  // out
} PJRT_Device_CreateAsyncTrackingEvent_Args;
AJ_PJRT_SIZE(PJRT_Device_CreateAsyncTrackingEvent_Args, event)
typedef PJRT_Error* PJRT_Device_CreateAsyncTrackingEvent(
    PJRT_Device_CreateAsyncTrackingEvent_Args* args);

typedef struct PJRT_AsyncTrackingEvent_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_AsyncTrackingEvent* event;
} PJRT_AsyncTrackingEvent_Destroy_Args;
AJ_PJRT_SIZE(PJRT_AsyncTrackingEvent_Destroy_Args, event)
typedef PJRT_Error* PJRT_AsyncTrackingEvent_Destroy(
    PJRT_AsyncTrackingEvent_Destroy_Args* args);

// =============================== memories ===================================

typedef struct PJRT_Memory_Id_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Memory* memory;
  int id;  // out
} PJRT_Memory_Id_Args;
AJ_PJRT_SIZE(PJRT_Memory_Id_Args, id)
typedef PJRT_Error* PJRT_Memory_Id(PJRT_Memory_Id_Args* args);

// jax compares kinds by name ("device", "pinned_host", "unpinned_host").
typedef struct PJRT_Memory_Kind_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Memory* memory;
  const char* kind;  // out
  size_t kind_size;  // out
} PJRT_Memory_Kind_Args;
AJ_PJRT_SIZE(PJRT_Memory_Kind_Args, kind_size)
typedef PJRT_Error* PJRT_Memory_Kind(PJRT_Memory_Kind_Args* args);

typedef struct PJRT_Memory_Kind_Id_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Memory* memory;
  int kind_id;  // out
} PJRT_Memory_Kind_Id_Args;
AJ_PJRT_SIZE(PJRT_Memory_Kind_Id_Args, kind_id)
typedef PJRT_Error* PJRT_Memory_Kind_Id(PJRT_Memory_Kind_Id_Args* args);

typedef struct PJRT_Memory_DebugString_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Memory* memory;
  const char* debug_string;  // out
  size_t debug_string_size;  // out
} PJRT_Memory_DebugString_Args;
AJ_PJRT_SIZE(PJRT_Memory_DebugString_Args, debug_string_size)
typedef PJRT_Error* PJRT_Memory_DebugString(PJRT_Memory_DebugString_Args* args);

typedef struct PJRT_Memory_ToString_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Memory* memory;
  const char* to_string;  // out
  size_t to_string_size;  // out
} PJRT_Memory_ToString_Args;
AJ_PJRT_SIZE(PJRT_Memory_ToString_Args, to_string_size)
typedef PJRT_Error* PJRT_Memory_ToString(PJRT_Memory_ToString_Args* args);

typedef struct PJRT_Memory_AddressableByDevices_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Memory* memory;
  PJRT_Device* const* devices;  // out
  size_t num_devices;           // out
} PJRT_Memory_AddressableByDevices_Args;
AJ_PJRT_SIZE(PJRT_Memory_AddressableByDevices_Args, num_devices)
typedef PJRT_Error* PJRT_Memory_AddressableByDevices(
    PJRT_Memory_AddressableByDevices_Args* args);

// ============================ execute context ===============================

typedef struct PJRT_ExecuteContext_Create_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_ExecuteContext* context;  // out
} PJRT_ExecuteContext_Create_Args;
AJ_PJRT_SIZE(PJRT_ExecuteContext_Create_Args, context)
typedef PJRT_Error* PJRT_ExecuteContext_Create(
    PJRT_ExecuteContext_Create_Args* args);

typedef struct PJRT_ExecuteContext_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_ExecuteContext* context;
} PJRT_ExecuteContext_Destroy_Args;
AJ_PJRT_SIZE(PJRT_ExecuteContext_Destroy_Args, context)
typedef PJRT_Error* PJRT_ExecuteContext_Destroy(
    PJRT_ExecuteContext_Destroy_Args* args);

// ============================= executables ==================================

typedef struct PJRT_Executable_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
} PJRT_Executable_Destroy_Args;
AJ_PJRT_SIZE(PJRT_Executable_Destroy_Args, executable)
typedef PJRT_Error* PJRT_Executable_Destroy(PJRT_Executable_Destroy_Args* args);

typedef struct PJRT_Executable_Name_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  const char* executable_name;  // out
  size_t executable_name_size;  // out
} PJRT_Executable_Name_Args;
AJ_PJRT_SIZE(PJRT_Executable_Name_Args, executable_name_size)
typedef PJRT_Error* PJRT_Executable_Name(PJRT_Executable_Name_Args* args);

typedef struct PJRT_Executable_NumReplicas_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_replicas;  // out
} PJRT_Executable_NumReplicas_Args;
AJ_PJRT_SIZE(PJRT_Executable_NumReplicas_Args, num_replicas)
typedef PJRT_Error* PJRT_Executable_NumReplicas(
    PJRT_Executable_NumReplicas_Args* args);

typedef struct PJRT_Executable_NumPartitions_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_partitions;  // out
} PJRT_Executable_NumPartitions_Args;
AJ_PJRT_SIZE(PJRT_Executable_NumPartitions_Args, num_partitions)
typedef PJRT_Error* PJRT_Executable_NumPartitions(
    PJRT_Executable_NumPartitions_Args* args);

typedef struct PJRT_Executable_NumOutputs_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_outputs;  // out
} PJRT_Executable_NumOutputs_Args;
AJ_PJRT_SIZE(PJRT_Executable_NumOutputs_Args, num_outputs)
typedef PJRT_Error* PJRT_Executable_NumOutputs(
    PJRT_Executable_NumOutputs_Args* args);

typedef struct PJRT_Executable_SizeOfGeneratedCodeInBytes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  int64_t size_in_bytes;  // out
} PJRT_Executable_SizeOfGeneratedCodeInBytes_Args;
AJ_PJRT_SIZE(PJRT_Executable_SizeOfGeneratedCodeInBytes_Args, size_in_bytes)
typedef PJRT_Error* PJRT_Executable_SizeOfGeneratedCodeInBytes(
    PJRT_Executable_SizeOfGeneratedCodeInBytes_Args* args);

typedef struct PJRT_Executable_Fingerprint_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  const char* executable_fingerprint;  // out
  size_t executable_fingerprint_size;  // out
} PJRT_Executable_Fingerprint_Args;
AJ_PJRT_SIZE(PJRT_Executable_Fingerprint_Args, executable_fingerprint_size)
typedef PJRT_Error* PJRT_Executable_Fingerprint(
    PJRT_Executable_Fingerprint_Args* args);

// Count before array, as in DeviceDescription_Attributes.
typedef struct PJRT_Executable_GetCostAnalysis_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_properties;              // out
  const PJRT_NamedValue* properties;  // out; lives as long as the executable
} PJRT_Executable_GetCostAnalysis_Args;
AJ_PJRT_SIZE(PJRT_Executable_GetCostAnalysis_Args, properties)
typedef PJRT_Error* PJRT_Executable_GetCostAnalysis(
    PJRT_Executable_GetCostAnalysis_Args* args);

typedef struct PJRT_Executable_GetCompiledMemoryStats_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  int64_t generated_code_size_in_bytes;
  int64_t argument_size_in_bytes;
  int64_t output_size_in_bytes;
  int64_t alias_size_in_bytes;
  int64_t temp_size_in_bytes;
  int64_t host_generated_code_size_in_bytes;
  int64_t host_argument_size_in_bytes;
  int64_t host_output_size_in_bytes;
  int64_t host_alias_size_in_bytes;
  int64_t host_temp_size_in_bytes;
  int64_t peak_memory_in_bytes;
  int64_t total_size_in_bytes;
  int64_t total_allocation_bytes;
  int64_t indefinite_allocations;
  int64_t peak_unpadded_heap_bytes;
} PJRT_Executable_GetCompiledMemoryStats_Args;
AJ_PJRT_SIZE(PJRT_Executable_GetCompiledMemoryStats_Args,
             peak_unpadded_heap_bytes)
typedef PJRT_Error* PJRT_Executable_GetCompiledMemoryStats(
    PJRT_Executable_GetCompiledMemoryStats_Args* args);

typedef struct PJRT_Executable_OutputElementTypes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  PJRT_Buffer_Type* output_types;  // out; owned by the executable
  size_t num_output_types;         // out
} PJRT_Executable_OutputElementTypes_Args;
AJ_PJRT_SIZE(PJRT_Executable_OutputElementTypes_Args, num_output_types)
typedef PJRT_Error* PJRT_Executable_OutputElementTypes(
    PJRT_Executable_OutputElementTypes_Args* args);

// dims holds every output's dims back to back; dim_sizes[i] is output i's rank.
typedef struct PJRT_Executable_OutputDimensions_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_outputs;       // out
  const int64_t* dims;      // out
  const size_t* dim_sizes;  // out
} PJRT_Executable_OutputDimensions_Args;
AJ_PJRT_SIZE(PJRT_Executable_OutputDimensions_Args, dim_sizes)
typedef PJRT_Error* PJRT_Executable_OutputDimensions(
    PJRT_Executable_OutputDimensions_Args* args);

typedef struct PJRT_Executable_ParameterMemoryKinds_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_parameters;            // out
  const char* const* memory_kinds;  // out
  const size_t* memory_kind_sizes;  // out
} PJRT_Executable_ParameterMemoryKinds_Args;
AJ_PJRT_SIZE(PJRT_Executable_ParameterMemoryKinds_Args, memory_kind_sizes)
typedef PJRT_Error* PJRT_Executable_ParameterMemoryKinds(
    PJRT_Executable_ParameterMemoryKinds_Args* args);

typedef struct PJRT_Executable_OutputMemoryKinds_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  size_t num_outputs;               // out
  const char* const* memory_kinds;  // out
  const size_t* memory_kind_sizes;  // out
} PJRT_Executable_OutputMemoryKinds_Args;
AJ_PJRT_SIZE(PJRT_Executable_OutputMemoryKinds_Args, memory_kind_sizes)
typedef PJRT_Error* PJRT_Executable_OutputMemoryKinds(
    PJRT_Executable_OutputMemoryKinds_Args* args);

// The caller passes a PJRT_Program whose `code` is null to learn code_size,
// then calls again with storage of that size.
typedef struct PJRT_Executable_OptimizedProgram_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  PJRT_Program* program;  // in/out
} PJRT_Executable_OptimizedProgram_Args;
AJ_PJRT_SIZE(PJRT_Executable_OptimizedProgram_Args, program)
typedef PJRT_Error* PJRT_Executable_OptimizedProgram(
    PJRT_Executable_OptimizedProgram_Args* args);

// The bytes stay valid until the caller runs the deleter on the handle.
typedef struct PJRT_Executable_Serialize_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_Executable* executable;
  const char* serialized_bytes;                      // out
  size_t serialized_bytes_size;                      // out
  PJRT_SerializedExecutable* serialized_executable;  // out
  void (*serialized_executable_deleter)(PJRT_SerializedExecutable* exec);
} PJRT_Executable_Serialize_Args;
AJ_PJRT_SIZE(PJRT_Executable_Serialize_Args, serialized_executable_deleter)
typedef PJRT_Error* PJRT_Executable_Serialize(
    PJRT_Executable_Serialize_Args* args);

typedef struct PJRT_Executable_GetCompileOptions_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Executable* executable;
  const char* serialized_bytes;                               // out
  size_t serialized_bytes_size;                               // out
  PJRT_SerializedCompileOptions* serialized_compile_options;  // out
  void (*serialized_compile_options_deleter)(
      PJRT_SerializedCompileOptions* options);
} PJRT_Executable_GetCompileOptions_Args;
AJ_PJRT_SIZE(PJRT_Executable_GetCompileOptions_Args,
             serialized_compile_options_deleter)
typedef PJRT_Error* PJRT_Executable_GetCompileOptions(
    PJRT_Executable_GetCompileOptions_Args* args);

// Another record without extension_start.
typedef struct PJRT_LoadOptions {
  size_t struct_size;
  const int32_t* computation_origin;
  size_t computation_origin_size;
  PJRT_MultiSlice_Config* multi_slice_config;
} PJRT_LoadOptions;
AJ_PJRT_SIZE(PJRT_LoadOptions, multi_slice_config)

typedef struct PJRT_Executable_DeserializeAndLoad_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Client* client;
  const char* serialized_executable;
  size_t serialized_executable_size;
  PJRT_LoadedExecutable* loaded_executable;  // out
  const char* overridden_serialized_compile_options;
  size_t overridden_serialized_compile_options_size;
  PJRT_LoadOptions* load_options;
} PJRT_Executable_DeserializeAndLoad_Args;
AJ_PJRT_SIZE(PJRT_Executable_DeserializeAndLoad_Args, load_options)
typedef PJRT_Error* PJRT_Executable_DeserializeAndLoad(
    PJRT_Executable_DeserializeAndLoad_Args* args);

// ========================== loaded executables ==============================

typedef struct PJRT_LoadedExecutable_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
} PJRT_LoadedExecutable_Destroy_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_Destroy_Args, executable)
typedef PJRT_Error* PJRT_LoadedExecutable_Destroy(
    PJRT_LoadedExecutable_Destroy_Args* args);

// The returned PJRT_Executable is a new reference the caller destroys.
typedef struct PJRT_LoadedExecutable_GetExecutable_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* loaded_executable;
  PJRT_Executable* executable;  // out
} PJRT_LoadedExecutable_GetExecutable_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_GetExecutable_Args, executable)
typedef PJRT_Error* PJRT_LoadedExecutable_GetExecutable(
    PJRT_LoadedExecutable_GetExecutable_Args* args);

typedef struct PJRT_LoadedExecutable_GetDeviceAssignment_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
  const char* serialized_bytes;                                   // out
  size_t serialized_bytes_size;                                   // out
  PJRT_DeviceAssignmentSerialized* serialized_device_assignment;  // out
  void (*serialized_device_assignment_deleter)(
      PJRT_DeviceAssignmentSerialized* da);
} PJRT_LoadedExecutable_GetDeviceAssignment_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_GetDeviceAssignment_Args,
             serialized_device_assignment_deleter)
typedef PJRT_Error* PJRT_LoadedExecutable_GetDeviceAssignment(
    PJRT_LoadedExecutable_GetDeviceAssignment_Args* args);

typedef struct PJRT_LogicalDeviceIds {
  int replica;
  int partition;
} PJRT_LogicalDeviceIds;

typedef struct PJRT_LoadedExecutable_AddressableDevices_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
  PJRT_Device* const* addressable_devices;  // out
  size_t num_addressable_devices;           // out
} PJRT_LoadedExecutable_AddressableDevices_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_AddressableDevices_Args,
             num_addressable_devices)
typedef PJRT_Error* PJRT_LoadedExecutable_AddressableDevices(
    PJRT_LoadedExecutable_AddressableDevices_Args* args);

typedef struct PJRT_LoadedExecutable_AddressableDeviceLogicalIds_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
  PJRT_LogicalDeviceIds* addressable_device_logical_ids;  // out
  size_t num_addressable_device_logical_ids;              // out
} PJRT_LoadedExecutable_AddressableDeviceLogicalIds_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_AddressableDeviceLogicalIds_Args,
             num_addressable_device_logical_ids)
typedef PJRT_Error* PJRT_LoadedExecutable_AddressableDeviceLogicalIds(
    PJRT_LoadedExecutable_AddressableDeviceLogicalIds_Args* args);

typedef struct PJRT_LoadedExecutable_Delete_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
} PJRT_LoadedExecutable_Delete_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_Delete_Args, executable)
typedef PJRT_Error* PJRT_LoadedExecutable_Delete(
    PJRT_LoadedExecutable_Delete_Args* args);

typedef struct PJRT_LoadedExecutable_IsDeleted_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
  bool is_deleted;  // out
} PJRT_LoadedExecutable_IsDeleted_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_IsDeleted_Args, is_deleted)
typedef PJRT_Error* PJRT_LoadedExecutable_IsDeleted(
    PJRT_LoadedExecutable_IsDeleted_Args* args);

typedef struct PJRT_LoadedExecutable_Fingerprint_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
  const char* executable_fingerprint;  // out
  size_t executable_fingerprint_size;  // out
} PJRT_LoadedExecutable_Fingerprint_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_Fingerprint_Args,
             executable_fingerprint_size)
typedef PJRT_Error* PJRT_LoadedExecutable_Fingerprint(
    PJRT_LoadedExecutable_Fingerprint_Args* args);

// Host send/recv callbacks (used by host_callback/io_callback lowering).
typedef struct PJRT_Chunk {
  void* data;
  size_t size;
  void (*deleter)(void* data, void* deleter_arg);
  void* deleter_arg;
} PJRT_Chunk;

typedef PJRT_Error* (*PJRT_SendCallback)(PJRT_Chunk* chunk,
                                         PJRT_CallbackError* callback_error,
                                         size_t total_size_in_bytes, bool done,
                                         void* user_arg);
typedef void (*PJRT_RecvCallback)(PJRT_CopyToDeviceStream* stream,
                                  void* user_arg);

typedef struct PJRT_SendCallbackInfo {
  int64_t channel_id;
  void* user_arg;
  PJRT_SendCallback send_callback;
} PJRT_SendCallbackInfo;
AJ_PJRT_SIZE(PJRT_SendCallbackInfo, send_callback)

typedef struct PJRT_RecvCallbackInfo {
  int64_t channel_id;
  void* user_arg;
  PJRT_RecvCallback recv_callback;
} PJRT_RecvCallbackInfo;
AJ_PJRT_SIZE(PJRT_RecvCallbackInfo, recv_callback)

typedef void (*PJRT_HloOutputCallback)(int64_t replica_id, int64_t partition_id,
                                       const void* data,
                                       const int64_t* shape_dims,
                                       size_t shape_num_dims,
                                       PJRT_Buffer_Type shape_element_type,
                                       int64_t operand_index, void* user_arg);

typedef struct PJRT_HloOutputCallbackInfo {
  void* user_arg;
  PJRT_HloOutputCallback callback;
  int64_t callback_id;
  size_t num_operands;
} PJRT_HloOutputCallbackInfo;
AJ_PJRT_SIZE(PJRT_HloOutputCallbackInfo, num_operands)

// send_callbacks/recv_callbacks are indexed [device][op].
typedef struct PJRT_ExecuteOptions {
  AJ_PJRT_ARGS_HEAD;
  PJRT_SendCallbackInfo** send_callbacks;
  PJRT_RecvCallbackInfo** recv_callbacks;
  size_t num_send_ops;
  size_t num_recv_ops;
  int launch_id;
  const int64_t* non_donatable_input_indices;
  size_t num_non_donatable_input_indices;
  PJRT_ExecuteContext* context;
  const char* call_location;
  size_t num_tasks;
  int* task_ids;
  int64_t* incarnation_ids;
  PJRT_MultiSlice_Config* multi_slice_config;
  bool use_major_to_minor_data_layout_for_callbacks;
  PJRT_HloOutputCallbackInfo* hlo_output_callbacks;
  size_t num_hlo_output_callbacks;
} PJRT_ExecuteOptions;
AJ_PJRT_SIZE(PJRT_ExecuteOptions, num_hlo_output_callbacks)

// argument_lists[device][arg]; the caller allocates output_lists[device] with
// room for NumOutputs buffers and the plugin fills them.
// device_complete_events, if non-null, gets one event per device.
// execute_device non-null means "run this single-device program there".
typedef struct PJRT_LoadedExecutable_Execute_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_LoadedExecutable* executable;
  PJRT_ExecuteOptions* options;
  PJRT_Buffer* const* const* argument_lists;
  size_t num_devices;
  size_t num_args;
  PJRT_Buffer** const* output_lists;    // out (storage is the caller's)
  PJRT_Event** device_complete_events;  // out, optional
  PJRT_Device* execute_device;
} PJRT_LoadedExecutable_Execute_Args;
AJ_PJRT_SIZE(PJRT_LoadedExecutable_Execute_Args, execute_device)
typedef PJRT_Error* PJRT_LoadedExecutable_Execute(
    PJRT_LoadedExecutable_Execute_Args* args);

// =============================== buffers ====================================

typedef struct PJRT_Buffer_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
} PJRT_Buffer_Destroy_Args;
AJ_PJRT_SIZE(PJRT_Buffer_Destroy_Args, buffer)
typedef PJRT_Error* PJRT_Buffer_Destroy(PJRT_Buffer_Destroy_Args* args);

typedef struct PJRT_Buffer_ElementType_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Buffer_Type type;  // out
} PJRT_Buffer_ElementType_Args;
AJ_PJRT_SIZE(PJRT_Buffer_ElementType_Args, type)
typedef PJRT_Error* PJRT_Buffer_ElementType(PJRT_Buffer_ElementType_Args* args);

typedef struct PJRT_Buffer_Dimensions_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  const int64_t* dims;  // out; owned by the buffer
  size_t num_dims;      // out
} PJRT_Buffer_Dimensions_Args;
AJ_PJRT_SIZE(PJRT_Buffer_Dimensions_Args, num_dims)
typedef PJRT_Error* PJRT_Buffer_Dimensions(PJRT_Buffer_Dimensions_Args* args);

typedef struct PJRT_Buffer_UnpaddedDimensions_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  const int64_t* unpadded_dims;  // out
  size_t num_dims;               // out
} PJRT_Buffer_UnpaddedDimensions_Args;
AJ_PJRT_SIZE(PJRT_Buffer_UnpaddedDimensions_Args, num_dims)
typedef PJRT_Error* PJRT_Buffer_UnpaddedDimensions(
    PJRT_Buffer_UnpaddedDimensions_Args* args);

typedef struct PJRT_Buffer_DynamicDimensionIndices_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  const size_t* dynamic_dim_indices;  // out
  size_t num_dynamic_dims;            // out
} PJRT_Buffer_DynamicDimensionIndices_Args;
AJ_PJRT_SIZE(PJRT_Buffer_DynamicDimensionIndices_Args, num_dynamic_dims)
typedef PJRT_Error* PJRT_Buffer_DynamicDimensionIndices(
    PJRT_Buffer_DynamicDimensionIndices_Args* args);

// The layout is returned by value; its pointers are owned by the buffer.
typedef struct PJRT_Buffer_GetMemoryLayout_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Buffer_MemoryLayout layout;  // out
} PJRT_Buffer_GetMemoryLayout_Args;
AJ_PJRT_SIZE(PJRT_Buffer_GetMemoryLayout_Args, layout)
typedef PJRT_Error* PJRT_Buffer_GetMemoryLayout(
    PJRT_Buffer_GetMemoryLayout_Args* args);

// dst == null is a size query: the plugin only fills dst_size.
typedef struct PJRT_Buffer_ToHostBuffer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* src;
  PJRT_Buffer_MemoryLayout* host_layout;  // null: dense row-major
  void* dst;
  size_t dst_size;    // in/out
  PJRT_Event* event;  // out; fires when dst is filled
} PJRT_Buffer_ToHostBuffer_Args;
AJ_PJRT_SIZE(PJRT_Buffer_ToHostBuffer_Args, event)
typedef PJRT_Error* PJRT_Buffer_ToHostBuffer(
    PJRT_Buffer_ToHostBuffer_Args* args);

typedef struct PJRT_Buffer_OnDeviceSizeInBytes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  size_t on_device_size_in_bytes;  // out
} PJRT_Buffer_OnDeviceSizeInBytes_Args;
AJ_PJRT_SIZE(PJRT_Buffer_OnDeviceSizeInBytes_Args, on_device_size_in_bytes)
typedef PJRT_Error* PJRT_Buffer_OnDeviceSizeInBytes(
    PJRT_Buffer_OnDeviceSizeInBytes_Args* args);

// Delete frees device memory but keeps the handle; Destroy frees the handle.
typedef struct PJRT_Buffer_Delete_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
} PJRT_Buffer_Delete_Args;
AJ_PJRT_SIZE(PJRT_Buffer_Delete_Args, buffer)
typedef PJRT_Error* PJRT_Buffer_Delete(PJRT_Buffer_Delete_Args* args);

typedef struct PJRT_Buffer_IsDeleted_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  bool is_deleted;  // out
} PJRT_Buffer_IsDeleted_Args;
AJ_PJRT_SIZE(PJRT_Buffer_IsDeleted_Args, is_deleted)
typedef PJRT_Error* PJRT_Buffer_IsDeleted(PJRT_Buffer_IsDeleted_Args* args);

typedef struct PJRT_Buffer_CopyRawToHost_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  void* dst;
  int64_t offset;
  int64_t transfer_size;
  PJRT_Event* event;  // out
} PJRT_Buffer_CopyRawToHost_Args;
AJ_PJRT_SIZE(PJRT_Buffer_CopyRawToHost_Args, event)
typedef PJRT_Error* PJRT_Buffer_CopyRawToHost(
    PJRT_Buffer_CopyRawToHost_Args* args);

// Record handed to the future's callback: no extension_start.
typedef struct PJRT_Buffer_CopyRawToHostFuture_Callback_Args {
  size_t struct_size;
  void* callback_data;
  PJRT_Error_Code error_code;
  const char* error_message;
  size_t error_message_size;
  void* dst;
} PJRT_Buffer_CopyRawToHostFuture_Callback_Args;
AJ_PJRT_SIZE(PJRT_Buffer_CopyRawToHostFuture_Callback_Args, dst)

typedef struct PJRT_Buffer_CopyRawToHostFuture_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  int64_t offset;
  int64_t transfer_size;
  PJRT_Event* event;    // out
  void* callback_data;  // out
  void (*future_ready_callback)(
      PJRT_Buffer_CopyRawToHostFuture_Callback_Args* args);  // out
} PJRT_Buffer_CopyRawToHostFuture_Args;
AJ_PJRT_SIZE(PJRT_Buffer_CopyRawToHostFuture_Args, future_ready_callback)
typedef PJRT_Error* PJRT_Buffer_CopyRawToHostFuture(
    PJRT_Buffer_CopyRawToHostFuture_Args* args);

typedef struct PJRT_Buffer_CopyToDevice_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Device* dst_device;
  PJRT_Buffer* dst_buffer;  // out
} PJRT_Buffer_CopyToDevice_Args;
AJ_PJRT_SIZE(PJRT_Buffer_CopyToDevice_Args, dst_buffer)
typedef PJRT_Error* PJRT_Buffer_CopyToDevice(
    PJRT_Buffer_CopyToDevice_Args* args);

typedef struct PJRT_Buffer_CopyToMemory_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Memory* dst_memory;
  PJRT_Buffer* dst_buffer;  // out
} PJRT_Buffer_CopyToMemory_Args;
AJ_PJRT_SIZE(PJRT_Buffer_CopyToMemory_Args, dst_buffer)
typedef PJRT_Error* PJRT_Buffer_CopyToMemory(
    PJRT_Buffer_CopyToMemory_Args* args);

typedef struct PJRT_Buffer_Bitcast_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Buffer_Type element_type;
  const int64_t* dims;
  size_t num_dims;
  PJRT_Buffer_MemoryLayout* device_layout;
  PJRT_Buffer* out_buffer;  // out
} PJRT_Buffer_Bitcast_Args;
AJ_PJRT_SIZE(PJRT_Buffer_Bitcast_Args, out_buffer)
typedef PJRT_Error* PJRT_Buffer_Bitcast(PJRT_Buffer_Bitcast_Args* args);

typedef struct PJRT_Buffer_IsOnCpu_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  bool is_on_cpu;  // out
} PJRT_Buffer_IsOnCpu_Args;
AJ_PJRT_SIZE(PJRT_Buffer_IsOnCpu_Args, is_on_cpu)
typedef PJRT_Error* PJRT_Buffer_IsOnCpu(PJRT_Buffer_IsOnCpu_Args* args);

typedef struct PJRT_Buffer_Device_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Device* device;  // out
} PJRT_Buffer_Device_Args;
AJ_PJRT_SIZE(PJRT_Buffer_Device_Args, device)
typedef PJRT_Error* PJRT_Buffer_Device(PJRT_Buffer_Device_Args* args);

typedef struct PJRT_Buffer_Memory_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Memory* memory;  // out
} PJRT_Buffer_Memory_Args;
AJ_PJRT_SIZE(PJRT_Buffer_Memory_Args, memory)
typedef PJRT_Error* PJRT_Buffer_Memory(PJRT_Buffer_Memory_Args* args);

typedef struct PJRT_Buffer_ReadyEvent_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  PJRT_Event* event;  // out; the caller destroys it
} PJRT_Buffer_ReadyEvent_Args;
AJ_PJRT_SIZE(PJRT_Buffer_ReadyEvent_Args, event)
typedef PJRT_Error* PJRT_Buffer_ReadyEvent(PJRT_Buffer_ReadyEvent_Args* args);

typedef struct PJRT_Buffer_UnsafePointer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  uintptr_t buffer_pointer;  // out
} PJRT_Buffer_UnsafePointer_Args;
AJ_PJRT_SIZE(PJRT_Buffer_UnsafePointer_Args, buffer_pointer)
typedef PJRT_Error* PJRT_Buffer_UnsafePointer(
    PJRT_Buffer_UnsafePointer_Args* args);

// External references (e.g. DLPack exports) pin the device memory.
typedef struct PJRT_Buffer_IncreaseExternalReferenceCount_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
} PJRT_Buffer_IncreaseExternalReferenceCount_Args;
AJ_PJRT_SIZE(PJRT_Buffer_IncreaseExternalReferenceCount_Args, buffer)
typedef PJRT_Error* PJRT_Buffer_IncreaseExternalReferenceCount(
    PJRT_Buffer_IncreaseExternalReferenceCount_Args* args);

typedef struct PJRT_Buffer_DecreaseExternalReferenceCount_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
} PJRT_Buffer_DecreaseExternalReferenceCount_Args;
AJ_PJRT_SIZE(PJRT_Buffer_DecreaseExternalReferenceCount_Args, buffer)
typedef PJRT_Error* PJRT_Buffer_DecreaseExternalReferenceCount(
    PJRT_Buffer_DecreaseExternalReferenceCount_Args* args);

typedef struct PJRT_Buffer_OpaqueDeviceMemoryDataPointer_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  void* device_memory_ptr;  // out
} PJRT_Buffer_OpaqueDeviceMemoryDataPointer_Args;
AJ_PJRT_SIZE(PJRT_Buffer_OpaqueDeviceMemoryDataPointer_Args, device_memory_ptr)
typedef PJRT_Error* PJRT_Buffer_OpaqueDeviceMemoryDataPointer(
    PJRT_Buffer_OpaqueDeviceMemoryDataPointer_Args* args);

typedef struct PJRT_Buffer_DonateWithControlDependency_Callback_Args {
  size_t struct_size;
  void* callback_data;
  PJRT_Error_Code error_code;
  const char* error_message;
  size_t error_message_size;
} PJRT_Buffer_DonateWithControlDependency_Callback_Args;
AJ_PJRT_SIZE(PJRT_Buffer_DonateWithControlDependency_Callback_Args,
             error_message_size)

typedef struct PJRT_Buffer_DonateWithControlDependency_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_Buffer* buffer;
  void* callback_data;  // out
  void (*dependency_ready_callback)(
      PJRT_Buffer_DonateWithControlDependency_Callback_Args* args);  // out
  PJRT_Buffer* out_buffer;                                           // out
} PJRT_Buffer_DonateWithControlDependency_Args;
AJ_PJRT_SIZE(PJRT_Buffer_DonateWithControlDependency_Args, out_buffer)
typedef PJRT_Error* PJRT_Buffer_DonateWithControlDependency(
    PJRT_Buffer_DonateWithControlDependency_Args* args);

// ========================= copy-to-device streams ===========================

typedef struct PJRT_CopyToDeviceStream_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_CopyToDeviceStream* stream;
} PJRT_CopyToDeviceStream_Destroy_Args;
AJ_PJRT_SIZE(PJRT_CopyToDeviceStream_Destroy_Args, stream)
typedef PJRT_Error* PJRT_CopyToDeviceStream_Destroy(
    PJRT_CopyToDeviceStream_Destroy_Args* args);

typedef struct PJRT_CopyToDeviceStream_AddChunk_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_CopyToDeviceStream* stream;
  PJRT_Chunk* chunk;  // ownership passes to the plugin
  PJRT_Event* transfer_complete;  // out
} PJRT_CopyToDeviceStream_AddChunk_Args;
AJ_PJRT_SIZE(PJRT_CopyToDeviceStream_AddChunk_Args, transfer_complete)
typedef PJRT_Error* PJRT_CopyToDeviceStream_AddChunk(
    PJRT_CopyToDeviceStream_AddChunk_Args* args);

typedef struct PJRT_CopyToDeviceStream_TotalBytes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_CopyToDeviceStream* stream;
  int64_t total_bytes;  // out
} PJRT_CopyToDeviceStream_TotalBytes_Args;
AJ_PJRT_SIZE(PJRT_CopyToDeviceStream_TotalBytes_Args, total_bytes)
typedef PJRT_Error* PJRT_CopyToDeviceStream_TotalBytes(
    PJRT_CopyToDeviceStream_TotalBytes_Args* args);

typedef struct PJRT_CopyToDeviceStream_GranuleSize_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_CopyToDeviceStream* stream;
  int64_t granule_size_in_bytes;  // out
} PJRT_CopyToDeviceStream_GranuleSize_Args;
AJ_PJRT_SIZE(PJRT_CopyToDeviceStream_GranuleSize_Args, granule_size_in_bytes)
typedef PJRT_Error* PJRT_CopyToDeviceStream_GranuleSize(
    PJRT_CopyToDeviceStream_GranuleSize_Args* args);

typedef struct PJRT_CopyToDeviceStream_CurrentBytes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_CopyToDeviceStream* stream;
  int64_t current_bytes;  // out
} PJRT_CopyToDeviceStream_CurrentBytes_Args;
AJ_PJRT_SIZE(PJRT_CopyToDeviceStream_CurrentBytes_Args, current_bytes)
typedef PJRT_Error* PJRT_CopyToDeviceStream_CurrentBytes(
    PJRT_CopyToDeviceStream_CurrentBytes_Args* args);

// ============================== topology ====================================

typedef struct PJRT_TopologyDescription_Create_Args {
  AJ_PJRT_ARGS_HEAD;
  const char* topology_name;
  size_t topology_name_size;
  const PJRT_NamedValue* create_options;
  size_t num_options;
  PJRT_TopologyDescription* topology;  // out
} PJRT_TopologyDescription_Create_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_Create_Args, topology)
typedef PJRT_Error* PJRT_TopologyDescription_Create(
    PJRT_TopologyDescription_Create_Args* args);

typedef struct PJRT_TopologyDescription_Destroy_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_TopologyDescription* topology;
} PJRT_TopologyDescription_Destroy_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_Destroy_Args, topology)
typedef PJRT_Error* PJRT_TopologyDescription_Destroy(
    PJRT_TopologyDescription_Destroy_Args* args);

typedef struct PJRT_TopologyDescription_PlatformVersion_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_TopologyDescription* topology;
  const char* platform_version;  // out
  size_t platform_version_size;  // out
} PJRT_TopologyDescription_PlatformVersion_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_PlatformVersion_Args,
             platform_version_size)
typedef PJRT_Error* PJRT_TopologyDescription_PlatformVersion(
    PJRT_TopologyDescription_PlatformVersion_Args* args);

typedef struct PJRT_TopologyDescription_PlatformName_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_TopologyDescription* topology;
  const char* platform_name;  // out
  size_t platform_name_size;  // out
} PJRT_TopologyDescription_PlatformName_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_PlatformName_Args, platform_name_size)
typedef PJRT_Error* PJRT_TopologyDescription_PlatformName(
    PJRT_TopologyDescription_PlatformName_Args* args);

typedef struct PJRT_TopologyDescription_GetDeviceDescriptions_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_TopologyDescription* topology;
  PJRT_DeviceDescription* const* descriptions;  // out
  size_t num_descriptions;                      // out
} PJRT_TopologyDescription_GetDeviceDescriptions_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_GetDeviceDescriptions_Args,
             num_descriptions)
typedef PJRT_Error* PJRT_TopologyDescription_GetDeviceDescriptions(
    PJRT_TopologyDescription_GetDeviceDescriptions_Args* args);

typedef struct PJRT_TopologyDescription_Serialize_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_TopologyDescription* topology;
  const char* serialized_bytes;                  // out
  size_t serialized_bytes_size;                  // out
  PJRT_SerializedTopology* serialized_topology;  // out
  void (*serialized_topology_deleter)(
      PJRT_SerializedTopology* serialized_topology);  // out
} PJRT_TopologyDescription_Serialize_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_Serialize_Args,
             serialized_topology_deleter)
typedef PJRT_Error* PJRT_TopologyDescription_Serialize(
    PJRT_TopologyDescription_Serialize_Args* args);

typedef struct PJRT_TopologyDescription_Deserialize_Args {
  AJ_PJRT_ARGS_HEAD;
  const char* serialized_topology;
  size_t serialized_topology_size;
  PJRT_TopologyDescription* topology;  // out
} PJRT_TopologyDescription_Deserialize_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_Deserialize_Args, topology)
typedef PJRT_Error* PJRT_TopologyDescription_Deserialize(
    PJRT_TopologyDescription_Deserialize_Args* args);

typedef struct PJRT_TopologyDescription_Attributes_Args {
  AJ_PJRT_ARGS_HEAD;
  PJRT_TopologyDescription* topology;
  const PJRT_NamedValue* attributes;  // out
  size_t num_attributes;              // out
} PJRT_TopologyDescription_Attributes_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_Attributes_Args, num_attributes)
typedef PJRT_Error* PJRT_TopologyDescription_Attributes(
    PJRT_TopologyDescription_Attributes_Args* args);

typedef struct PJRT_TopologyDescription_Fingerprint_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_TopologyDescription* topology;
  uint64_t fingerprint;  // out
} PJRT_TopologyDescription_Fingerprint_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_Fingerprint_Args, fingerprint)
typedef PJRT_Error* PJRT_TopologyDescription_Fingerprint(
    PJRT_TopologyDescription_Fingerprint_Args* args);

typedef struct PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_TopologyDescription* topology;
  int memory_space_kind_id;
  const int64_t* dims;
  size_t num_dims;
  PJRT_Buffer_Type element_type;
  const PJRT_Buffer_MemoryLayout* layout;
  const char* serialized_shape;                   // out
  size_t serialized_shape_size;                   // out
  void (*serialized_shape_deleter)(const char*);  // out
} PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace_Args,
             serialized_shape_deleter)
typedef PJRT_Error* PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace(
    PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace_Args* args);

typedef struct PJRT_TopologyDescription_GetMemorySpaceKindIds_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_TopologyDescription* topology;
  const int* memory_space_kind_ids;  // out
  size_t num_memory_space_kind_ids;  // out
} PJRT_TopologyDescription_GetMemorySpaceKindIds_Args;
AJ_PJRT_SIZE(PJRT_TopologyDescription_GetMemorySpaceKindIds_Args,
             num_memory_space_kind_ids)
typedef PJRT_Error* PJRT_TopologyDescription_GetMemorySpaceKindIds(
    PJRT_TopologyDescription_GetMemorySpaceKindIds_Args* args);

// Ahead-of-time compile against a topology; client may be null.
typedef struct PJRT_Compile_Args {
  AJ_PJRT_ARGS_HEAD;
  const PJRT_TopologyDescription* topology;
  const PJRT_Program* program;
  const char* compile_options;
  size_t compile_options_size;
  PJRT_Client* client;
  PJRT_Executable* executable;  // out
} PJRT_Compile_Args;
AJ_PJRT_SIZE(PJRT_Compile_Args, executable)
typedef PJRT_Error* PJRT_Compile(PJRT_Compile_Args* args);

// ============================== the table ===================================

// Member order is the ABI. Groups below follow the order members were added
// upstream (after the first block, new entries were only appended), which is
// why related functions are scattered. 138 entries at 0.112.
typedef struct PJRT_Api {
  size_t struct_size;
  PJRT_Extension_Base* extension_start;
  PJRT_Api_Version pjrt_api_version;

  PJRT_Error_Destroy* PJRT_Error_Destroy;
  PJRT_Error_Message* PJRT_Error_Message;
  PJRT_Error_GetCode* PJRT_Error_GetCode;

  PJRT_Plugin_Initialize* PJRT_Plugin_Initialize;
  PJRT_Plugin_Attributes* PJRT_Plugin_Attributes;

  PJRT_Event_Destroy* PJRT_Event_Destroy;
  PJRT_Event_IsReady* PJRT_Event_IsReady;
  PJRT_Event_Error* PJRT_Event_Error;
  PJRT_Event_Await* PJRT_Event_Await;
  PJRT_Event_OnReady* PJRT_Event_OnReady;

  PJRT_Client_Create* PJRT_Client_Create;
  PJRT_Client_Destroy* PJRT_Client_Destroy;
  PJRT_Client_PlatformName* PJRT_Client_PlatformName;
  PJRT_Client_ProcessIndex* PJRT_Client_ProcessIndex;
  PJRT_Client_PlatformVersion* PJRT_Client_PlatformVersion;
  PJRT_Client_Devices* PJRT_Client_Devices;
  PJRT_Client_AddressableDevices* PJRT_Client_AddressableDevices;
  PJRT_Client_LookupDevice* PJRT_Client_LookupDevice;
  PJRT_Client_LookupAddressableDevice* PJRT_Client_LookupAddressableDevice;
  PJRT_Client_AddressableMemories* PJRT_Client_AddressableMemories;
  PJRT_Client_Compile* PJRT_Client_Compile;
  PJRT_Client_DefaultDeviceAssignment* PJRT_Client_DefaultDeviceAssignment;
  PJRT_Client_BufferFromHostBuffer* PJRT_Client_BufferFromHostBuffer;

  PJRT_DeviceDescription_Id* PJRT_DeviceDescription_Id;
  PJRT_DeviceDescription_ProcessIndex* PJRT_DeviceDescription_ProcessIndex;
  PJRT_DeviceDescription_Attributes* PJRT_DeviceDescription_Attributes;
  PJRT_DeviceDescription_Kind* PJRT_DeviceDescription_Kind;
  PJRT_DeviceDescription_DebugString* PJRT_DeviceDescription_DebugString;
  PJRT_DeviceDescription_ToString* PJRT_DeviceDescription_ToString;

  PJRT_Device_GetDescription* PJRT_Device_GetDescription;
  PJRT_Device_IsAddressable* PJRT_Device_IsAddressable;
  PJRT_Device_LocalHardwareId* PJRT_Device_LocalHardwareId;
  PJRT_Device_AddressableMemories* PJRT_Device_AddressableMemories;
  PJRT_Device_DefaultMemory* PJRT_Device_DefaultMemory;
  PJRT_Device_MemoryStats* PJRT_Device_MemoryStats;

  PJRT_Memory_Id* PJRT_Memory_Id;
  PJRT_Memory_Kind* PJRT_Memory_Kind;
  PJRT_Memory_DebugString* PJRT_Memory_DebugString;
  PJRT_Memory_ToString* PJRT_Memory_ToString;
  PJRT_Memory_AddressableByDevices* PJRT_Memory_AddressableByDevices;

  PJRT_Executable_Destroy* PJRT_Executable_Destroy;
  PJRT_Executable_Name* PJRT_Executable_Name;
  PJRT_Executable_NumReplicas* PJRT_Executable_NumReplicas;
  PJRT_Executable_NumPartitions* PJRT_Executable_NumPartitions;
  PJRT_Executable_NumOutputs* PJRT_Executable_NumOutputs;
  PJRT_Executable_SizeOfGeneratedCodeInBytes*
      PJRT_Executable_SizeOfGeneratedCodeInBytes;
  PJRT_Executable_GetCostAnalysis* PJRT_Executable_GetCostAnalysis;
  PJRT_Executable_OutputMemoryKinds* PJRT_Executable_OutputMemoryKinds;
  PJRT_Executable_OptimizedProgram* PJRT_Executable_OptimizedProgram;
  PJRT_Executable_Serialize* PJRT_Executable_Serialize;

  PJRT_LoadedExecutable_Destroy* PJRT_LoadedExecutable_Destroy;
  PJRT_LoadedExecutable_GetExecutable* PJRT_LoadedExecutable_GetExecutable;
  PJRT_LoadedExecutable_AddressableDevices*
      PJRT_LoadedExecutable_AddressableDevices;
  PJRT_LoadedExecutable_Delete* PJRT_LoadedExecutable_Delete;
  PJRT_LoadedExecutable_IsDeleted* PJRT_LoadedExecutable_IsDeleted;
  PJRT_LoadedExecutable_Execute* PJRT_LoadedExecutable_Execute;
  PJRT_Executable_DeserializeAndLoad* PJRT_Executable_DeserializeAndLoad;
  PJRT_LoadedExecutable_Fingerprint* PJRT_LoadedExecutable_Fingerprint;

  PJRT_Buffer_Destroy* PJRT_Buffer_Destroy;
  PJRT_Buffer_ElementType* PJRT_Buffer_ElementType;
  PJRT_Buffer_Dimensions* PJRT_Buffer_Dimensions;
  PJRT_Buffer_UnpaddedDimensions* PJRT_Buffer_UnpaddedDimensions;
  PJRT_Buffer_DynamicDimensionIndices* PJRT_Buffer_DynamicDimensionIndices;
  PJRT_Buffer_GetMemoryLayout* PJRT_Buffer_GetMemoryLayout;
  PJRT_Buffer_OnDeviceSizeInBytes* PJRT_Buffer_OnDeviceSizeInBytes;
  PJRT_Buffer_Device* PJRT_Buffer_Device;
  PJRT_Buffer_Memory* PJRT_Buffer_Memory;
  PJRT_Buffer_Delete* PJRT_Buffer_Delete;
  PJRT_Buffer_IsDeleted* PJRT_Buffer_IsDeleted;
  PJRT_Buffer_CopyToDevice* PJRT_Buffer_CopyToDevice;
  PJRT_Buffer_ToHostBuffer* PJRT_Buffer_ToHostBuffer;
  PJRT_Buffer_IsOnCpu* PJRT_Buffer_IsOnCpu;
  PJRT_Buffer_ReadyEvent* PJRT_Buffer_ReadyEvent;
  PJRT_Buffer_UnsafePointer* PJRT_Buffer_UnsafePointer;
  PJRT_Buffer_IncreaseExternalReferenceCount*
      PJRT_Buffer_IncreaseExternalReferenceCount;
  PJRT_Buffer_DecreaseExternalReferenceCount*
      PJRT_Buffer_DecreaseExternalReferenceCount;
  PJRT_Buffer_OpaqueDeviceMemoryDataPointer*
      PJRT_Buffer_OpaqueDeviceMemoryDataPointer;

  PJRT_CopyToDeviceStream_Destroy* PJRT_CopyToDeviceStream_Destroy;
  PJRT_CopyToDeviceStream_AddChunk* PJRT_CopyToDeviceStream_AddChunk;
  PJRT_CopyToDeviceStream_TotalBytes* PJRT_CopyToDeviceStream_TotalBytes;
  PJRT_CopyToDeviceStream_GranuleSize* PJRT_CopyToDeviceStream_GranuleSize;
  PJRT_CopyToDeviceStream_CurrentBytes* PJRT_CopyToDeviceStream_CurrentBytes;

  PJRT_TopologyDescription_Create* PJRT_TopologyDescription_Create;
  PJRT_TopologyDescription_Destroy* PJRT_TopologyDescription_Destroy;
  PJRT_TopologyDescription_PlatformName* PJRT_TopologyDescription_PlatformName;
  PJRT_TopologyDescription_PlatformVersion*
      PJRT_TopologyDescription_PlatformVersion;
  PJRT_TopologyDescription_GetDeviceDescriptions*
      PJRT_TopologyDescription_GetDeviceDescriptions;
  PJRT_TopologyDescription_Serialize* PJRT_TopologyDescription_Serialize;
  PJRT_TopologyDescription_Attributes* PJRT_TopologyDescription_Attributes;

  PJRT_Compile* PJRT_Compile;

  // Appended one by one from here on.
  PJRT_Executable_OutputElementTypes* PJRT_Executable_OutputElementTypes;
  PJRT_Executable_OutputDimensions* PJRT_Executable_OutputDimensions;
  PJRT_Buffer_CopyToMemory* PJRT_Buffer_CopyToMemory;
  PJRT_Client_CreateViewOfDeviceBuffer* PJRT_Client_CreateViewOfDeviceBuffer;
  PJRT_Executable_Fingerprint* PJRT_Executable_Fingerprint;
  PJRT_Client_TopologyDescription* PJRT_Client_TopologyDescription;
  PJRT_Executable_GetCompiledMemoryStats*
      PJRT_Executable_GetCompiledMemoryStats;
  PJRT_Memory_Kind_Id* PJRT_Memory_Kind_Id;
  PJRT_ExecuteContext_Create* PJRT_ExecuteContext_Create;
  PJRT_ExecuteContext_Destroy* PJRT_ExecuteContext_Destroy;
  PJRT_Buffer_CopyRawToHost* PJRT_Buffer_CopyRawToHost;
  PJRT_AsyncHostToDeviceTransferManager_Destroy*
      PJRT_AsyncHostToDeviceTransferManager_Destroy;
  PJRT_AsyncHostToDeviceTransferManager_TransferData*
      PJRT_AsyncHostToDeviceTransferManager_TransferData;
  PJRT_Client_CreateBuffersForAsyncHostToDevice*
      PJRT_Client_CreateBuffersForAsyncHostToDevice;
  PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer*
      PJRT_AsyncHostToDeviceTransferManager_RetrieveBuffer;
  PJRT_AsyncHostToDeviceTransferManager_Device*
      PJRT_AsyncHostToDeviceTransferManager_Device;
  PJRT_AsyncHostToDeviceTransferManager_BufferCount*
      PJRT_AsyncHostToDeviceTransferManager_BufferCount;
  PJRT_AsyncHostToDeviceTransferManager_BufferSize*
      PJRT_AsyncHostToDeviceTransferManager_BufferSize;
  PJRT_AsyncHostToDeviceTransferManager_SetBufferError*
      PJRT_AsyncHostToDeviceTransferManager_SetBufferError;
  PJRT_AsyncHostToDeviceTransferManager_AddMetadata*
      PJRT_AsyncHostToDeviceTransferManager_AddMetadata;
  PJRT_Client_DmaMap* PJRT_Client_DmaMap;
  PJRT_Client_DmaUnmap* PJRT_Client_DmaUnmap;
  PJRT_Client_CreateUninitializedBuffer* PJRT_Client_CreateUninitializedBuffer;
  PJRT_Client_UpdateGlobalProcessInfo* PJRT_Client_UpdateGlobalProcessInfo;
  PJRT_TopologyDescription_Deserialize* PJRT_TopologyDescription_Deserialize;
  PJRT_Client_CreateAliasBuffer* PJRT_Client_CreateAliasBuffer;
  PJRT_Client_FulfillAliasBuffer* PJRT_Client_FulfillAliasBuffer;
  PJRT_LoadedExecutable_GetDeviceAssignment*
      PJRT_LoadedExecutable_GetDeviceAssignment;
  PJRT_Client_CreateErrorBuffer* PJRT_Client_CreateErrorBuffer;
  PJRT_AsyncHostToDeviceTransferManager_TransferLiteral*
      PJRT_AsyncHostToDeviceTransferManager_TransferLiteral;
  PJRT_Buffer_CopyRawToHostFuture* PJRT_Buffer_CopyRawToHostFuture;
  PJRT_Device_PoisonExecution* PJRT_Device_PoisonExecution;
  PJRT_Device_CreateAsyncTrackingEvent* PJRT_Device_CreateAsyncTrackingEvent;
  PJRT_AsyncTrackingEvent_Destroy* PJRT_AsyncTrackingEvent_Destroy;
  PJRT_Executable_GetCompileOptions* PJRT_Executable_GetCompileOptions;
  PJRT_Buffer_DonateWithControlDependency*
      PJRT_Buffer_DonateWithControlDependency;
  PJRT_Event_Create* PJRT_Event_Create;
  PJRT_Event_Set* PJRT_Event_Set;
  PJRT_Device_GetAttributes* PJRT_Device_GetAttributes;
  PJRT_Client_Load* PJRT_Client_Load;
  PJRT_LoadedExecutable_AddressableDeviceLogicalIds*
      PJRT_LoadedExecutable_AddressableDeviceLogicalIds;
  PJRT_Buffer_Bitcast* PJRT_Buffer_Bitcast;
  PJRT_Error_ForEachPayload* PJRT_Error_ForEachPayload;
  PJRT_TopologyDescription_Fingerprint* PJRT_TopologyDescription_Fingerprint;
  PJRT_Executable_ParameterMemoryKinds* PJRT_Executable_ParameterMemoryKinds;
  PJRT_Device_ClearMemoryStats* PJRT_Device_ClearMemoryStats;
  PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace*
      PJRT_TopologyDescription_MakeCanonicalShapeForMemorySpace;
  PJRT_TopologyDescription_GetMemorySpaceKindIds*
      PJRT_TopologyDescription_GetMemorySpaceKindIds;
} PJRT_Api;
AJ_PJRT_SIZE(PJRT_Api, PJRT_TopologyDescription_GetMemorySpaceKindIds)

// Entry point the framework dlsym()s. Defined by the plugin.
#if defined(__GNUC__) || defined(__clang__)
__attribute__((visibility("default")))
#endif
const PJRT_Api* GetPjrtApi(void);

// ============================ layout checks =================================
// Offsets below are for LP64 (Linux x86-64/aarch64, macOS arm64), the only
// targets we ship. Each was worked out by hand from the field list and must
// equal what the framework compiled; a mismatch means a field was dropped,
// reordered or mistyped above.
#if defined(__LP64__) || defined(_LP64)
#ifdef __cplusplus
#define AJ_PJRT_CHECK(cond, msg) static_assert(cond, msg)
#else
#define AJ_PJRT_CHECK(cond, msg) _Static_assert(cond, msg)
#endif
AJ_PJRT_CHECK(sizeof(PJRT_Extension_Base) == 24, "extension base");
AJ_PJRT_CHECK(PJRT_Api_Version_STRUCT_SIZE == 24, "api version");
// 3 header words + 138 function pointers.
AJ_PJRT_CHECK(PJRT_Api_STRUCT_SIZE == 8 + 8 + 24 + 138 * 8, "PJRT_Api size");
AJ_PJRT_CHECK(offsetof(PJRT_Api, PJRT_Error_Destroy) == 40, "api head");
AJ_PJRT_CHECK(offsetof(PJRT_Api, PJRT_Client_Create) == 40 + 10 * 8,
              "api client block");
AJ_PJRT_CHECK(offsetof(PJRT_Api, PJRT_Buffer_Destroy) == 40 + 58 * 8,
              "api buffer block");
AJ_PJRT_CHECK(offsetof(PJRT_Api, PJRT_Compile) == 40 + 89 * 8, "api compile");
AJ_PJRT_CHECK(offsetof(PJRT_Api, PJRT_Event_Create) == 40 + 126 * 8,
              "api event create");
AJ_PJRT_CHECK(PJRT_NamedValue_STRUCT_SIZE == 56, "named value");
AJ_PJRT_CHECK(offsetof(PJRT_NamedValue, type) == 32, "named value type");
AJ_PJRT_CHECK(PJRT_Client_Create_Args_STRUCT_SIZE == 88, "client create");
AJ_PJRT_CHECK(PJRT_Program_STRUCT_SIZE == 48, "program");
AJ_PJRT_CHECK(PJRT_Buffer_MemoryLayout_Tiled_STRUCT_SIZE == 56, "tiled");
AJ_PJRT_CHECK(PJRT_Buffer_MemoryLayout_STRUCT_SIZE == 76, "layout");
AJ_PJRT_CHECK(sizeof(PJRT_Buffer_MemoryLayout) == 80, "layout padded");
AJ_PJRT_CHECK(offsetof(PJRT_Client_BufferFromHostBuffer_Args, device) == 80,
              "bfhb device");
AJ_PJRT_CHECK(PJRT_Client_BufferFromHostBuffer_Args_STRUCT_SIZE == 120, "bfhb");
AJ_PJRT_CHECK(PJRT_Buffer_GetMemoryLayout_Args_STRUCT_SIZE == 104,
              "get memory layout");
AJ_PJRT_CHECK(PJRT_Buffer_ToHostBuffer_Args_STRUCT_SIZE == 56, "to host");
AJ_PJRT_CHECK(PJRT_Device_MemoryStats_Args_STRUCT_SIZE == 185, "memory stats");
AJ_PJRT_CHECK(offsetof(PJRT_ExecuteOptions, launch_id) == 48, "exec opts");
AJ_PJRT_CHECK(offsetof(PJRT_ExecuteOptions,
                       use_major_to_minor_data_layout_for_callbacks) == 120,
              "exec opts bool");
AJ_PJRT_CHECK(PJRT_ExecuteOptions_STRUCT_SIZE == 144, "exec opts size");
AJ_PJRT_CHECK(PJRT_LoadedExecutable_Execute_Args_STRUCT_SIZE == 80, "execute");
AJ_PJRT_CHECK(PJRT_Executable_GetCompiledMemoryStats_Args_STRUCT_SIZE == 144,
              "compiled memory stats");
AJ_PJRT_CHECK(PJRT_Error_FunctionTable_STRUCT_SIZE == 56, "error vtable");
AJ_PJRT_CHECK(PJRT_Memory_FunctionTable_STRUCT_SIZE == 40, "memory vtable");
#undef AJ_PJRT_CHECK
#endif


#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // APPLEJAX_NATIVE_PJRT_PJRT_ABI_H_
