#include "lower/dtype.h"

#include "lower/errors.h"

namespace applejax::lower {

namespace mx = mlx::core;
using ir::ElementType;

std::optional<mx::Dtype> to_mlx(ElementType t) {
  switch (t) {
    case ElementType::kI1: return mx::bool_;
    case ElementType::kSI8: return mx::int8;
    case ElementType::kSI16: return mx::int16;
    case ElementType::kSI32: return mx::int32;
    case ElementType::kSI64: return mx::int64;
    case ElementType::kUI8: return mx::uint8;
    case ElementType::kUI16: return mx::uint16;
    case ElementType::kUI32: return mx::uint32;
    case ElementType::kUI64: return mx::uint64;
    case ElementType::kF16: return mx::float16;
    case ElementType::kBF16: return mx::bfloat16;
    case ElementType::kF32: return mx::float32;
    case ElementType::kF64: return mx::float64;
    case ElementType::kComplexF32: return mx::complex64;
    // The narrow types, in the storage narrow_format.h explains.
    case ElementType::kSI2: case ElementType::kSI4: return mx::int8;
    case ElementType::kUI2: case ElementType::kUI4: return mx::uint8;
    case ElementType::kF8E8M0FNU: return mx::float32;
    case ElementType::kF8E5M2: case ElementType::kF8E4M3: case ElementType::kF8E3M4:
    case ElementType::kF8E4M3FN: case ElementType::kF8E4M3FNUZ: case ElementType::kF8E5M2FNUZ:
    case ElementType::kF8E4M3B11FNUZ: case ElementType::kF4E2M1FN:
      return mx::float16;
    default: return std::nullopt;
  }
}

std::string element_type_refusal(ElementType t) {
  std::string name(ir::element_type_name(t));
  // complex128 stays refused by design: MLX has no such dtype, and a pair of
  // float64 arrays standing in for it would need every complex lowering (dot,
  // fft, linalg, ...) written twice, on the CPU device only.
  if (t == ElementType::kComplexF64)
    return "element type complex128 (" + name +
           ") is refused: complex<f64> is not supported by MLX, whose only complex type is "
           "complex64. Use complex64 (x.astype(jnp.complex64), or leave jax_enable_x64 off), or "
           "run this function on JAX's cpu backend (its inputs on jax.devices('cpu')[0])";
  return "element type " + name +
         " is not supported by MLX. Run this function on JAX's cpu backend (its inputs on "
         "jax.devices('cpu')[0]), and if you need it on mps, report it at " +
         std::string(kReportUrl);
}

ElementType from_mlx(mx::Dtype d) {
  switch (d.val()) {
    case mx::Dtype::Val::bool_: return ElementType::kI1;
    case mx::Dtype::Val::int8: return ElementType::kSI8;
    case mx::Dtype::Val::int16: return ElementType::kSI16;
    case mx::Dtype::Val::int32: return ElementType::kSI32;
    case mx::Dtype::Val::int64: return ElementType::kSI64;
    case mx::Dtype::Val::uint8: return ElementType::kUI8;
    case mx::Dtype::Val::uint16: return ElementType::kUI16;
    case mx::Dtype::Val::uint32: return ElementType::kUI32;
    case mx::Dtype::Val::uint64: return ElementType::kUI64;
    case mx::Dtype::Val::float16: return ElementType::kF16;
    case mx::Dtype::Val::bfloat16: return ElementType::kBF16;
    case mx::Dtype::Val::float32: return ElementType::kF32;
    case mx::Dtype::Val::float64: return ElementType::kF64;
    case mx::Dtype::Val::complex64: return ElementType::kComplexF32;
  }
  return ElementType::kInvalid;
}

}  // namespace applejax::lower
