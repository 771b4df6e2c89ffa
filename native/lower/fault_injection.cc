// Faults on demand, for the tests that prove errors never take the process
// down: with APPLEJAX_TEST_FAULTS=1 in the environment when the plugin
// loads, `custom_call @applejax.test.raise_in_eval(x)` lowers to an MLX
// primitive whose evaluation throws. The exception starts inside
// mlx::core::eval, on the plugin's worker thread, after lowering succeeded:
// the path a failing MLX kernel or allocation takes. Without the variable
// the target does not exist.
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include <mlx/primitives.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

class RaiseInEval : public mx::Primitive {
 public:
  explicit RaiseInEval(mx::Stream s) : mx::Primitive(s) {}
  void eval_cpu(const std::vector<mx::array>&, std::vector<mx::array>&) override { raise(); }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override { raise(); }
  const char* name() const override { return "RaiseInEval"; }

 private:
  [[noreturn]] static void raise() {
    throw std::runtime_error("injected fault: RaiseInEval evaluated (APPLEJAX_TEST_FAULTS)");
  }
};

Values raise_in_eval(Emitter& em, const ir::Op& op, const Values& in) {
  if (in.size() != 1) fail(op, "applejax.test.raise_in_eval takes one operand");
  mx::Stream s = mx::to_stream(em.stream());
  return {mx::array(in[0].shape(), in[0].dtype(), std::make_shared<RaiseInEval>(s), {in[0]})};
}

}  // namespace

void register_fault_injection(Registry& r) {
  const char* v = std::getenv("APPLEJAX_TEST_FAULTS");
  if (v && std::string_view(v) == "1") r.add(custom_call_key("applejax.test.raise_in_eval"), raise_in_eval);
}

}  // namespace applejax::lower
