#include "runtime/program.h"

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "lower/dtype.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "vhlo/reader.h"

namespace applejax::runtime {

namespace mx = mlx::core;

std::shared_ptr<Program> Program::from_artifact(std::span<const uint8_t> bytes,
                                                mx::Device device) {
  ir::Module module = vhlo::read_artifact(bytes);
  auto program = std::shared_ptr<Program>(new Program(std::move(module), device));
  program->check_supported();
  return program;
}

Program::Program(ir::Module module, mx::Device device)
    : module_(std::move(module)), device_(device) {
  entry_ = module_.entry();
  if (!entry_)
    throw std::runtime_error(
        "the program has no entry function (no public @main)");
  name_ = module_.name.empty() ? entry_->name : module_.name;
  inputs_ = entry_->argument_types;
  outputs_ = entry_->result_types;
}

namespace {
bool is_structural(std::string_view name) {
  return name == "func.return" || name == "stablehlo.return";
}

void check_region(const ir::Region& region, const ir::Module& module,
                  mx::Device device) {
  const auto& registry = lower::Registry::instance();
  for (const auto& block : region.blocks) {
    for (const auto& op : block.ops) {
      if (!is_structural(op.name) && !registry.find(op.name))
        lower::fail_unsupported(op, "no lowering for this op");
      for (ir::ValueId v : op.results) {
        const ir::Type& t = module.values[v];
        if (!t.is_tensor()) continue;
        auto d = lower::to_mlx(t.element);
        if (!d)
          lower::fail_unsupported(
              op, "element type " + std::string(ir::element_type_name(t.element)) +
                      " is not supported by MLX");
        if (*d == mx::float64 && device.type == mx::Device::gpu)
          lower::fail(op, "float64 is not supported on the GPU",
                      "Use float32 (keep jax_enable_x64 off), or run this "
                      "function on the cpu backend");
      }
      for (const auto& r : op.regions) check_region(r, module, device);
    }
  }
}
}  // namespace

void Program::check_supported() const {
  for (const auto& fn : module_.functions) check_region(fn.body, module_, device_);
}

std::vector<mx::array> Program::run(const std::vector<mx::array>& args) const {
  lower::Emitter emitter(module_, device_);
  std::vector<mx::array> outs = emitter.call(*entry_, args);
  // Readers need row-major contiguous data; make that part of the graph.
  for (auto& o : outs) o = mx::contiguous(o, false, device_);
  mx::eval(outs);
  return outs;
}

}  // namespace applejax::runtime
