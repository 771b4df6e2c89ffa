#include "pjrt/types.h"

namespace applejax::pjrt {

using ir::ElementType;

namespace {
struct Pair {
  PJRT_Buffer_Type pjrt;
  ElementType ir;
};
constexpr Pair kPairs[] = {
    {PJRT_Buffer_Type_PRED, ElementType::kI1},
    {PJRT_Buffer_Type_S2, ElementType::kSI2},
    {PJRT_Buffer_Type_S4, ElementType::kSI4},
    {PJRT_Buffer_Type_S8, ElementType::kSI8},
    {PJRT_Buffer_Type_S16, ElementType::kSI16},
    {PJRT_Buffer_Type_S32, ElementType::kSI32},
    {PJRT_Buffer_Type_S64, ElementType::kSI64},
    {PJRT_Buffer_Type_U2, ElementType::kUI2},
    {PJRT_Buffer_Type_U4, ElementType::kUI4},
    {PJRT_Buffer_Type_U8, ElementType::kUI8},
    {PJRT_Buffer_Type_U16, ElementType::kUI16},
    {PJRT_Buffer_Type_U32, ElementType::kUI32},
    {PJRT_Buffer_Type_U64, ElementType::kUI64},
    {PJRT_Buffer_Type_F16, ElementType::kF16},
    {PJRT_Buffer_Type_BF16, ElementType::kBF16},
    {PJRT_Buffer_Type_F32, ElementType::kF32},
    {PJRT_Buffer_Type_F64, ElementType::kF64},
    {PJRT_Buffer_Type_C64, ElementType::kComplexF32},
    {PJRT_Buffer_Type_C128, ElementType::kComplexF64},
    {PJRT_Buffer_Type_F8E5M2, ElementType::kF8E5M2},
    {PJRT_Buffer_Type_F8E4M3FN, ElementType::kF8E4M3FN},
    {PJRT_Buffer_Type_F8E4M3B11FNUZ, ElementType::kF8E4M3B11FNUZ},
    {PJRT_Buffer_Type_F8E5M2FNUZ, ElementType::kF8E5M2FNUZ},
    {PJRT_Buffer_Type_F8E4M3FNUZ, ElementType::kF8E4M3FNUZ},
    {PJRT_Buffer_Type_F8E4M3, ElementType::kF8E4M3},
    {PJRT_Buffer_Type_F8E3M4, ElementType::kF8E3M4},
    {PJRT_Buffer_Type_F8E8M0FNU, ElementType::kF8E8M0FNU},
    {PJRT_Buffer_Type_F4E2M1FN, ElementType::kF4E2M1FN},
};
}  // namespace

ElementType to_element_type(PJRT_Buffer_Type t) {
  for (const Pair& p : kPairs)
    if (p.pjrt == t) return p.ir;
  return ElementType::kInvalid;
}

PJRT_Buffer_Type to_buffer_type(ElementType t) {
  for (const Pair& p : kPairs)
    if (p.ir == t) return p.pjrt;
  return PJRT_Buffer_Type_INVALID;
}

}  // namespace applejax::pjrt
