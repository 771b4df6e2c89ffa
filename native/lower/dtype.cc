#include "lower/dtype.h"

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
