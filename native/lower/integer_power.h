// stablehlo.power of integers, as XLA defines it (integer_power.cc).
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace applejax::lower {

// x ** y for integer x and y of one dtype, wrapping. An exponent negative as
// a signed number (for unsigned types, its bits read as the signed type of
// that width, as XLA's cpu reads them) gives 1 for base 1, ±1 for base -1
// (all bits set) and 0 otherwise; of a non-negative one only the low six
// bits count, as in XLA.
mlx::core::array integer_power(const mlx::core::array& x, const mlx::core::array& y,
                               mlx::core::StreamOrDevice s);

}  // namespace applejax::lower
