// Executable and loaded-executable entries, and Execute.
#include <algorithm>
#include <cstring>

#include <mlx/allocator.h>
#include <mlx/ops.h>

#include "pjrt/cost_analysis.h"
#include "pjrt/entry.h"
#include "pjrt/objects.h"
#include "pjrt/program_text.h"
#include "pjrt/serialized_executable.h"
#include "pjrt/struct_fields.h"
#include "pjrt/surface.h"
#include "vhlo/reader.h"

// What Serialize hands out; the caller frees it through the deleter.
struct PJRT_SerializedExecutable {
  std::string bytes;
};

namespace applejax::pjrt {
namespace {

namespace mx = mlx::core;

const CompiledProgram& compiled_of(PJRT_Executable* e) {
  return *require(e, "executable")->compiled;
}

PJRT_Error* executable_destroy(PJRT_Executable_Destroy_Args* args) {
  delete args->executable;
  return nullptr;
}

PJRT_Error* executable_name(PJRT_Executable_Name_Args* args) {
  return guarded("PJRT_Executable_Name", [&] {
    const auto& c = compiled_of(args->executable);
    args->executable_name = c.name.data();
    args->executable_name_size = c.name.size();
  });
}

PJRT_Error* executable_num_replicas(PJRT_Executable_NumReplicas_Args* args) {
  args->num_replicas = 1;
  return nullptr;
}

PJRT_Error* executable_num_partitions(PJRT_Executable_NumPartitions_Args* args) {
  args->num_partitions = 1;
  return nullptr;
}

PJRT_Error* executable_num_outputs(PJRT_Executable_NumOutputs_Args* args) {
  return guarded("PJRT_Executable_NumOutputs", [&] {
    args->num_outputs = compiled_of(args->executable).output_types.size();
  });
}

PJRT_Error* executable_code_size(PJRT_Executable_SizeOfGeneratedCodeInBytes_Args* args) {
  args->size_in_bytes = 0;
  return nullptr;
}

PJRT_Error* executable_output_element_types(PJRT_Executable_OutputElementTypes_Args* args) {
  return guarded("PJRT_Executable_OutputElementTypes", [&] {
    const auto& c = compiled_of(args->executable);
    args->output_types = const_cast<PJRT_Buffer_Type*>(c.output_types.data());
    args->num_output_types = c.output_types.size();
  });
}

PJRT_Error* executable_output_dimensions(PJRT_Executable_OutputDimensions_Args* args) {
  return guarded("PJRT_Executable_OutputDimensions", [&] {
    const auto& c = compiled_of(args->executable);
    args->num_outputs = c.output_dim_sizes.size();
    args->dims = c.output_dims.data();
    args->dim_sizes = c.output_dim_sizes.data();
  });
}

PJRT_Error* executable_output_memory_kinds(PJRT_Executable_OutputMemoryKinds_Args* args) {
  return guarded("PJRT_Executable_OutputMemoryKinds", [&] {
    const auto& c = compiled_of(args->executable);
    args->num_outputs = c.output_memory_kinds.size();
    args->memory_kinds = c.output_memory_kinds.data();
    args->memory_kind_sizes = c.output_memory_kind_sizes.data();
  });
}

PJRT_Error* executable_fingerprint(PJRT_Executable_Fingerprint_Args* args) {
  return guarded("PJRT_Executable_Fingerprint", [&] {
    const auto& c = compiled_of(args->executable);
    args->executable_fingerprint = c.fingerprint.data();
    args->executable_fingerprint_size = c.fingerprint.size();
  });
}

void serialized_deleter(PJRT_SerializedExecutable* s) { delete s; }

PJRT_Error* executable_serialize(PJRT_Executable_Serialize_Args* args) {
  return guarded("PJRT_Executable_Serialize", [&] {
    const auto& c = *require(args->executable, "executable")->compiled;
    auto* out = new PJRT_SerializedExecutable{serialize_executable(c.artifact)};
    args->serialized_bytes = out->bytes.data();
    args->serialized_bytes_size = out->bytes.size();
    args->serialized_executable = out;
    args->serialized_executable_deleter = serialized_deleter;
  });
}

// The program as the plugin received it, before our passes, as StableHLO text
// in MLIR's generic form: jaxlib parses it ("mlir" format) and converts it to
// HLO for Compiled.as_text(). Read again from the kept artifact, so it shows
// what JAX sent, not what the passes made of it.
PJRT_Error* executable_optimized_program(PJRT_Executable_OptimizedProgram_Args* args) {
  return guarded("PJRT_Executable_OptimizedProgram", [&] {
    const auto& c = compiled_of(args->executable);
    PJRT_Program* program = require(args->program, "program");
    std::call_once(c.text_once, [&] { c.text = program_text(c.artifact); });
    static constexpr char kFormat[] = "mlir";
    program->format = kFormat;
    program->format_size = sizeof(kFormat) - 1;
    if (!program->code) {
      program->code_size = c.text.size();
      return;
    }
    if (program->code_size < c.text.size())
      invalid("PJRT_Executable_OptimizedProgram: the buffer holds " +
              std::to_string(program->code_size) + " bytes, the program text needs " +
              std::to_string(c.text.size()));
    std::memcpy(program->code, c.text.data(), c.text.size());
    program->code_size = c.text.size();
  });
}

size_t tensor_bytes(const std::vector<ir::Type>& types) {
  size_t total = 0;
  for (const ir::Type& t : types) {
    if (!t.is_tensor()) continue;
    size_t n = size_t(ir::element_byte_width(t.element));
    for (int64_t d : t.shape) n *= size_t(d);
    total += n;
  }
  return total;
}

// Argument and output sizes follow from the program's types. MLX allocates
// temporaries while it evaluates and frees them as it goes, so there is no
// temp size to know before running: it is reported as 0, as are code size
// (the kernels MLX builds live in its own cache) and the peak and total
// figures that would need it.
PJRT_Error* executable_memory_stats(PJRT_Executable_GetCompiledMemoryStats_Args* args) {
  return guarded("PJRT_Executable_GetCompiledMemoryStats", [&] {
    const auto& program = *compiled_of(args->executable).program;
    int64_t in = int64_t(tensor_bytes(program.input_types()));
    int64_t out = int64_t(tensor_bytes(program.output_types()));
    APPLEJAX_SET_IF_PRESENT(args, generated_code_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, argument_size_in_bytes, in);
    APPLEJAX_SET_IF_PRESENT(args, output_size_in_bytes, out);
    APPLEJAX_SET_IF_PRESENT(args, alias_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, temp_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, host_generated_code_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, host_argument_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, host_output_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, host_alias_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, host_temp_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, peak_memory_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, total_size_in_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, total_allocation_bytes, 0);
    APPLEJAX_SET_IF_PRESENT(args, indefinite_allocations, 0);
    APPLEJAX_SET_IF_PRESENT(args, peak_unpadded_heap_bytes, 0);
  });
}

// Counted on the program JAX sent, before fusion hides its matmuls in custom
// calls.
std::vector<PJRT_NamedValue> cost_properties_of(const CompiledProgram& c) {
  CostEstimate cost;
  try {
    cost = estimate_cost(vhlo::read_artifact(
        {reinterpret_cast<const uint8_t*>(c.artifact.data()), c.artifact.size()}));
  } catch (const std::exception&) {
    // It compiled from this artifact, so this does not happen; no estimate then.
  }
  static constexpr std::string_view kNames[] = {"flops", "transcendentals", "bytes accessed"};
  const double values[] = {cost.flops, cost.transcendentals, cost.bytes_accessed};
  std::vector<PJRT_NamedValue> out;
  for (size_t i = 0; i < 3; ++i) {
    PJRT_NamedValue v{};
    v.struct_size = PJRT_NamedValue_STRUCT_SIZE;
    v.name = kNames[i].data();
    v.name_size = kNames[i].size();
    v.type = PJRT_NamedValue_kFloat;
    v.float_value = static_cast<float>(values[i]);
    v.value_size = 1;
    out.push_back(v);
  }
  return out;
}

PJRT_Error* executable_cost_analysis(PJRT_Executable_GetCostAnalysis_Args* args) {
  return guarded("PJRT_Executable_GetCostAnalysis", [&] {
    const CompiledProgram& c = compiled_of(args->executable);
    std::call_once(c.cost_once, [&] { c.cost_properties = cost_properties_of(c); });
    args->num_properties = c.cost_properties.size();
    args->properties = c.cost_properties.data();
  });
}

PJRT_LoadedExecutable* loaded(PJRT_LoadedExecutable* e) { return require(e, "executable"); }

PJRT_Error* loaded_destroy(PJRT_LoadedExecutable_Destroy_Args* args) {
  delete args->executable;
  return nullptr;
}

PJRT_Error* loaded_get_executable(PJRT_LoadedExecutable_GetExecutable_Args* args) {
  return guarded("PJRT_LoadedExecutable_GetExecutable", [&] {
    args->executable = new PJRT_Executable{require(args->loaded_executable, "executable")->compiled};
  });
}

PJRT_Error* loaded_addressable_devices(PJRT_LoadedExecutable_AddressableDevices_Args* args) {
  return guarded("PJRT_LoadedExecutable_AddressableDevices", [&] {
    args->addressable_devices = loaded(args->executable)->client->device_list;
    args->num_addressable_devices = 1;
  });
}

PJRT_Error* loaded_logical_ids(PJRT_LoadedExecutable_AddressableDeviceLogicalIds_Args* args) {
  static PJRT_LogicalDeviceIds only{0, 0};
  args->addressable_device_logical_ids = &only;
  args->num_addressable_device_logical_ids = 1;
  return nullptr;
}

void no_assignment_deleter(PJRT_DeviceAssignmentSerialized*) {}

// Zero bytes means "portable"; jaxlib calls the deleter regardless.
PJRT_Error* loaded_device_assignment(PJRT_LoadedExecutable_GetDeviceAssignment_Args* args) {
  args->serialized_bytes = nullptr;
  args->serialized_bytes_size = 0;
  args->serialized_device_assignment = nullptr;
  args->serialized_device_assignment_deleter = no_assignment_deleter;
  return nullptr;
}

PJRT_Error* loaded_delete(PJRT_LoadedExecutable_Delete_Args* args) {
  return guarded("PJRT_LoadedExecutable_Delete", [&] { loaded(args->executable)->deleted = true; });
}

PJRT_Error* loaded_is_deleted(PJRT_LoadedExecutable_IsDeleted_Args* args) {
  return guarded("PJRT_LoadedExecutable_IsDeleted",
                 [&] { args->is_deleted = loaded(args->executable)->deleted; });
}

PJRT_Error* loaded_fingerprint(PJRT_LoadedExecutable_Fingerprint_Args* args) {
  return guarded("PJRT_LoadedExecutable_Fingerprint", [&] {
    const auto& c = *loaded(args->executable)->compiled;
    args->executable_fingerprint = c.fingerprint.data();
    args->executable_fingerprint_size = c.fingerprint.size();
  });
}

// Which inputs this call donates: those JAX marked in the program, less the
// ones the caller says it still needs. A donated buffer passed twice is refused,
// as XLA does: the program would read memory it is allowed to overwrite.
std::vector<bool> donated_inputs(const runtime::Program& program, const PJRT_ExecuteOptions* options,
                                 const std::vector<runtime::BufferPtr>& inputs) {
  std::vector<bool> donated(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) donated[i] = program.donates(i);
  if (options)
    for (size_t k = 0; k < options->num_non_donatable_input_indices; ++k) {
      int64_t i = options->non_donatable_input_indices[k];
      if (i >= 0 && static_cast<size_t>(i) < donated.size()) donated[i] = false;
    }
  for (size_t i = 0; i < inputs.size(); ++i)
    for (size_t j = 0; j < inputs.size(); ++j)
      if (donated[i] && i != j && inputs[i] == inputs[j])
        invalid("argument " + std::to_string(i) + " of " + program.name() +
                " is donated and also passed as argument " + std::to_string(j) +
                "; a donated buffer can be used once per call: pass a copy, or do not donate it");
  return donated;
}

// A result that is an argument passed through, or the same value as an
// earlier result, would share its memory. MLX arrays are immutable, so that is
// safe, but XLA gives every result a buffer of its own and JAX code relies on
// it (x.unsafe_buffer_pointer() differs after jit(lambda x: x), jnp.array(x,
// copy=True)); those results are copied. A donated argument's memory is the
// result's to keep.
void separate_aliased_results(std::vector<mx::array>& results,
                              const std::vector<runtime::BufferPtr>& inputs,
                              const std::vector<bool>& donated) {
  std::vector<const void*> taken;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!donated[i] && inputs[i]->array && inputs[i]->array->size() > 0)
      taken.push_back(inputs[i]->array->data<void>());
  for (auto& r : results) {
    if (r.size() == 0) continue;
    const void* data = r.data<void>();
    if (std::find(taken.begin(), taken.end(), data) == taken.end()) {
      taken.push_back(data);
      continue;
    }
    // A byte copy: MLX's copy() shares an evaluated buffer instead. Results
    // are evaluated and row-contiguous here.
    mx::array fresh(r.shape(), r.dtype(), nullptr, {});
    fresh.set_data(mx::allocator::malloc(r.nbytes()));
    fresh.set_status(mx::array::Status::available);
    std::memcpy(fresh.data<uint8_t>(), r.data<uint8_t>(), r.nbytes());
    r = std::move(fresh);
  }
}

// Queues the program on the worker and returns at once with output buffers
// whose ready events fire when it has run.
PJRT_Error* loaded_execute(PJRT_LoadedExecutable_Execute_Args* args) {
  uint64_t entered = runtime::stats_enabled() ? runtime::now_ns() : 0;
  runtime::ProgramStats* timed = nullptr;
  PJRT_Error* error = guarded("PJRT_LoadedExecutable_Execute", [&] {
    PJRT_LoadedExecutable* exe = loaded(args->executable);
    if (exe->deleted) invalid("PJRT_LoadedExecutable_Execute: the executable was deleted");
    if (args->num_devices != 1)
      invalid("the mps plugin executes on exactly one device, not " +
              std::to_string(args->num_devices));
    auto compiled = exe->compiled;
    const auto& program = *compiled->program;
    if (args->num_args != program.input_types().size())
      invalid("the program takes " + std::to_string(program.input_types().size()) +
              " arguments, " + std::to_string(args->num_args) + " were given");

    if (args->num_args && (!args->argument_lists || !args->argument_lists[0]))
      invalid("PJRT_LoadedExecutable_Execute: argument_lists is null");
    if (!program.output_types().empty() && (!args->output_lists || !args->output_lists[0]))
      invalid("PJRT_LoadedExecutable_Execute: output_lists is null");
    std::vector<runtime::BufferPtr> inputs;
    for (size_t i = 0; i < args->num_args; ++i) {
      PJRT_Buffer* b = args->argument_lists[0][i];
      if (!b || b->buffer->deleted)
        invalid("argument " + std::to_string(i) + " is a deleted or null buffer");
      // A mismatch would otherwise run with the wrong type, or fail later on
      // the worker with an MLX message about broadcasting.
      const ir::Type& want = program.input_types()[i];
      if (want.is_tensor() && (b->buffer->element != want.element || b->buffer->dims != want.shape)) {
        ir::Type got = want;
        got.element = b->buffer->element;
        got.shape = b->buffer->dims;
        invalid("argument " + std::to_string(i) + " of " + program.name() + " is " +
                ir::to_string(got) + ", the program takes " + ir::to_string(want));
      }
      inputs.push_back(b->buffer);
    }
    std::vector<bool> donated = donated_inputs(program, args->options, inputs);
    for (size_t i = 0; i < inputs.size(); ++i)
      if (donated[i]) inputs[i]->deleted = true;

    std::vector<runtime::BufferPtr> outputs;
    for (const ir::Type& t : program.output_types()) {
      auto out = std::make_shared<runtime::Buffer>();
      out->element = t.element;
      out->dims = t.shape;
      out->ready = std::make_shared<runtime::Event>();
      outputs.push_back(out);
    }
    auto done = std::make_shared<runtime::Event>();

    runtime::ProgramStats* stats = compiled->program->stats();
    bool warm = stats && stats->started.load() >= runtime::ProgramStats::kWarmUp;
    uint64_t posted = warm ? runtime::now_ns() : 0;
    runtime::GpuCapture* capture = exe->client->gpu_capture.get();
    exe->client->worker.post([compiled, inputs, donated, outputs, done, posted, capture] {
      if (posted) compiled->program->stats()->queue_ns += runtime::now_ns() - posted;
      auto fail = [&](const std::string& message) {
        for (auto& o : outputs) o->ready->set_error(message);
        done->set_error(message);
      };
      std::vector<mx::array> values;
      const runtime::Program& program = *compiled->program;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const runtime::BufferPtr& in = inputs[i];
        auto err = in->ready->wait();
        // A token only orders effects: the failure of the call that made it
        // was reported there, and must not fail every later ordered call.
        if (program.is_token(i)) {
          values.push_back(mx::zeros({0}, mx::bool_));
          continue;
        }
        if (err) return fail("an input failed: " + *err);
        if (!in->array) return fail("an input buffer was deleted before execution");
        values.push_back(*in->array);
      }
      // The program then holds a donated array's only reference, so MLX may
      // reuse its memory for a result.
      for (size_t i = 0; i < inputs.size(); ++i)
        if (donated[i]) inputs[i]->array.reset();
      // APPLEJAX_GPU_CAPTURE: run() evaluates its results before it returns,
      // so the capture spans all of this execution's GPU work. A failed
      // execution still counts, so the capture always ends.
      if (capture)
        if (auto err = capture->begin_execution()) return fail(*err);
      auto end_capture = [&] { return capture ? capture->end_execution() : std::nullopt; };
      auto fail_and_end_capture = [&](std::string message) {
        if (auto err = end_capture()) message += "; then " + *err;
        fail(message);
      };
      try {
        std::vector<mx::array> results = compiled->program->run(std::move(values));
        separate_aliased_results(results, inputs, donated);
        for (size_t i = 0; i < outputs.size(); ++i) outputs[i]->array = std::move(results[i]);
      } catch (const std::bad_alloc&) {
        return fail_and_end_capture("mps: out of memory while running " + compiled->name +
                                    ". Free arrays you no longer need or use smaller batches");
      } catch (const std::exception& e) {
        return fail_and_end_capture("mps: running " + compiled->name + " failed: " + e.what());
      }
      if (auto err = end_capture()) return fail(*err);
      for (auto& o : outputs) o->ready->set_ready();
      done->set_ready();
    });

    // As on cpu, a program that calls back into Python runs to the end
    // before Execute returns, so an exception in the callback is raised
    // where the jitted function was called. jaxlib calls Execute without
    // the GIL, which the callback needs.
    if (program.has_host_callbacks())
      if (auto err = done->wait()) throw ApiError{PJRT_Error_Code_INTERNAL, *err};
    for (size_t i = 0; i < outputs.size(); ++i)
      args->output_lists[0][i] =
          make_buffer_handle(exe->client, outputs[i], compiled->output_memory_index[i]);
    if (args->device_complete_events) args->device_complete_events[0] = wrap(done);
    if (warm) timed = stats;
  });
  if (timed && entered) timed->call_ns += runtime::now_ns() - entered;
  return error;
}

}  // namespace

void install_executable_entries(PJRT_Api& api) {
  api.PJRT_Executable_Destroy = executable_destroy;
  api.PJRT_Executable_Name = executable_name;
  api.PJRT_Executable_NumReplicas = executable_num_replicas;
  api.PJRT_Executable_NumPartitions = executable_num_partitions;
  api.PJRT_Executable_NumOutputs = executable_num_outputs;
  api.PJRT_Executable_SizeOfGeneratedCodeInBytes = executable_code_size;
  api.PJRT_Executable_OutputElementTypes = executable_output_element_types;
  api.PJRT_Executable_OutputDimensions = executable_output_dimensions;
  api.PJRT_Executable_OutputMemoryKinds = executable_output_memory_kinds;
  api.PJRT_Executable_Fingerprint = executable_fingerprint;
  api.PJRT_Executable_Serialize = executable_serialize;
  api.PJRT_Executable_OptimizedProgram = executable_optimized_program;
  api.PJRT_Executable_GetCompiledMemoryStats = executable_memory_stats;
  api.PJRT_Executable_GetCostAnalysis = executable_cost_analysis;
  api.PJRT_LoadedExecutable_Destroy = loaded_destroy;
  api.PJRT_LoadedExecutable_GetExecutable = loaded_get_executable;
  api.PJRT_LoadedExecutable_AddressableDevices = loaded_addressable_devices;
  api.PJRT_LoadedExecutable_AddressableDeviceLogicalIds = loaded_logical_ids;
  api.PJRT_LoadedExecutable_GetDeviceAssignment = loaded_device_assignment;
  api.PJRT_LoadedExecutable_Delete = loaded_delete;
  api.PJRT_LoadedExecutable_IsDeleted = loaded_is_deleted;
  api.PJRT_LoadedExecutable_Fingerprint = loaded_fingerprint;
  api.PJRT_LoadedExecutable_Execute = loaded_execute;
}

}  // namespace applejax::pjrt
