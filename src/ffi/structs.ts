/**
 * Layouts of the PJRT argument structs the harness uses (PJRT C API 0.112,
 * field for field as in `native/pjrt/pjrt_abi.h`).
 *
 * @module
 */

import { Layout } from "./layout.ts";

/** PJRT_NamedValue (the union is 8 bytes). */
export const NAMED_VALUE: Layout = new Layout([
  ["name", "ptr"],
  ["name_size", "size"],
  ["type", "i32"],
  ["value", "i64"],
  ["value_size", "size"],
]);

/** Argument structs, by PJRT function. */
export const ARGS = {
  PJRT_Plugin_Initialize: new Layout([]),
  PJRT_Plugin_Attributes: new Layout([["attributes", "ptr"], ["num_attributes", "size"]]),
  PJRT_Event_Await: new Layout([["event", "ptr"]]),
  PJRT_Event_Destroy: new Layout([["event", "ptr"]]),
  PJRT_Event_IsReady: new Layout([["event", "ptr"], ["is_ready", "bool"]]),
  PJRT_Event_Error: new Layout([["event", "ptr"]]),
  PJRT_Event_OnReady: new Layout([["event", "ptr"], ["callback", "ptr"], ["user_arg", "ptr"]]),
  PJRT_Client_Create: new Layout([
    ["create_options", "ptr"],
    ["num_options", "size"],
    ["kv_get_callback", "ptr"],
    ["kv_get_user_arg", "ptr"],
    ["kv_put_callback", "ptr"],
    ["kv_put_user_arg", "ptr"],
    ["client", "ptr"],
    ["kv_try_get_callback", "ptr"],
    ["kv_try_get_user_arg", "ptr"],
  ]),
  PJRT_Client_Destroy: new Layout([["client", "ptr"]]),
  PJRT_Client_PlatformName: new Layout([
    ["client", "ptr"],
    ["platform_name", "ptr"],
    ["platform_name_size", "size"],
  ]),
  PJRT_Client_PlatformVersion: new Layout([
    ["client", "ptr"],
    ["platform_version", "ptr"],
    ["platform_version_size", "size"],
  ]),
  PJRT_Client_AddressableDevices: new Layout([
    ["client", "ptr"],
    ["addressable_devices", "ptr"],
    ["num_addressable_devices", "size"],
  ]),
  PJRT_Device_GetDescription: new Layout([["device", "ptr"], ["device_description", "ptr"]]),
  PJRT_DeviceDescription_Id: new Layout([["device_description", "ptr"], ["id", "i32"]]),
  PJRT_DeviceDescription_Kind: new Layout([
    ["device_description", "ptr"],
    ["device_kind", "ptr"],
    ["device_kind_size", "size"],
  ]),
  PJRT_DeviceDescription_DebugString: new Layout([
    ["device_description", "ptr"],
    ["debug_string", "ptr"],
    ["debug_string_size", "size"],
  ]),
  PJRT_DeviceDescription_ToString: new Layout([
    ["device_description", "ptr"],
    ["to_string", "ptr"],
    ["to_string_size", "size"],
  ]),
  // The count comes before the array here, unlike the plugin attributes.
  PJRT_DeviceDescription_Attributes: new Layout([
    ["device_description", "ptr"],
    ["num_attributes", "size"],
    ["attributes", "ptr"],
  ]),
  PJRT_Device_IsAddressable: new Layout([["device", "ptr"], ["is_addressable", "bool"]]),
  PJRT_Device_LocalHardwareId: new Layout([["device", "ptr"], ["local_hardware_id", "i32"]]),
  PJRT_Device_DefaultMemory: new Layout([["device", "ptr"], ["memory", "ptr"]]),
  PJRT_Device_GetAttributes: new Layout([
    ["device", "ptr"],
    ["attributes", "ptr"],
    ["num_attributes", "size"],
    ["device_attributes", "ptr"],
    ["attributes_deleter", "ptr"],
  ]),
  PJRT_Memory_Kind: new Layout([["memory", "ptr"], ["kind", "ptr"], ["kind_size", "size"]]),
  PJRT_Client_BufferFromHostBuffer: new Layout([
    ["client", "ptr"],
    ["data", "ptr"],
    ["type", "i32"],
    ["dims", "ptr"],
    ["num_dims", "size"],
    ["byte_strides", "ptr"],
    ["num_byte_strides", "size"],
    ["host_buffer_semantics", "i32"],
    ["device", "ptr"],
    ["memory", "ptr"],
    ["device_layout", "ptr"],
    ["done_with_host_buffer", "ptr"],
    ["buffer", "ptr"],
  ]),
  PJRT_Buffer_Destroy: new Layout([["buffer", "ptr"]]),
  PJRT_Buffer_Dimensions: new Layout([["buffer", "ptr"], ["dims", "ptr"], ["num_dims", "size"]]),
  PJRT_Buffer_ElementType: new Layout([["buffer", "ptr"], ["type", "i32"]]),
  PJRT_Buffer_OnDeviceSizeInBytes: new Layout([
    ["buffer", "ptr"],
    ["on_device_size_in_bytes", "size"],
  ]),
  PJRT_Buffer_Device: new Layout([["buffer", "ptr"], ["device", "ptr"]]),
  PJRT_Buffer_ReadyEvent: new Layout([["buffer", "ptr"], ["event", "ptr"]]),
  PJRT_Buffer_ToHostBuffer: new Layout([
    ["src", "ptr"],
    ["host_layout", "ptr"],
    ["dst", "ptr"],
    ["dst_size", "size"],
    ["event", "ptr"],
  ]),
  PJRT_Program: new Layout([
    ["code", "ptr"],
    ["code_size", "size"],
    ["format", "ptr"],
    ["format_size", "size"],
  ]),
  PJRT_Client_Compile: new Layout([
    ["client", "ptr"],
    ["program", "ptr"],
    ["compile_options", "ptr"],
    ["compile_options_size", "size"],
    ["executable", "ptr"],
  ]),
  PJRT_LoadedExecutable_Destroy: new Layout([["executable", "ptr"]]),
  PJRT_LoadedExecutable_GetExecutable: new Layout([
    ["loaded_executable", "ptr"],
    ["executable", "ptr"],
  ]),
  PJRT_Executable_NumOutputs: new Layout([["executable", "ptr"], ["num_outputs", "size"]]),
  PJRT_Executable_Name: new Layout([
    ["executable", "ptr"],
    ["executable_name", "ptr"],
    ["executable_name_size", "size"],
  ]),
  PJRT_Executable_OutputElementTypes: new Layout([
    ["executable", "ptr"],
    ["output_types", "ptr"],
    ["num_output_types", "size"],
  ]),
  PJRT_Executable_OutputDimensions: new Layout([
    ["executable", "ptr"],
    ["num_outputs", "size"],
    ["dims", "ptr"],
    ["dim_sizes", "ptr"],
  ]),
  PJRT_LoadedExecutable_Fingerprint: new Layout([
    ["executable", "ptr"],
    ["executable_fingerprint", "ptr"],
    ["executable_fingerprint_size", "size"],
  ]),
  PJRT_Executable_Destroy: new Layout([["executable", "ptr"]]),
  PJRT_ExecuteOptions: new Layout([
    ["send_callbacks", "ptr"],
    ["recv_callbacks", "ptr"],
    ["num_send_ops", "size"],
    ["num_recv_ops", "size"],
    ["launch_id", "i32"],
    ["non_donatable_input_indices", "ptr"],
    ["num_non_donatable_input_indices", "size"],
    ["context", "ptr"],
    ["call_location", "ptr"],
    ["num_tasks", "size"],
    ["task_ids", "ptr"],
    ["incarnation_ids", "ptr"],
    ["multi_slice_config", "ptr"],
    ["use_major_to_minor_data_layout_for_callbacks", "bool"],
    ["hlo_output_callbacks", "ptr"],
    ["num_hlo_output_callbacks", "size"],
  ]),
  PJRT_LoadedExecutable_Execute: new Layout([
    ["executable", "ptr"],
    ["options", "ptr"],
    ["argument_lists", "ptr"],
    ["num_devices", "size"],
    ["num_args", "size"],
    ["output_lists", "ptr"],
    ["device_complete_events", "ptr"],
    ["execute_device", "ptr"],
  ]),
} as const;
