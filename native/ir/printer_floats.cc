// Floats the way MLIR prints them. MLIR first tries LLVM's APFloat decimal
// form with six digits after the point in scientific notation and keeps it
// if it parses back to the same bits; otherwise it takes APFloat's default
// form (as many digits as the type can need, scientific only for very large
// or small magnitudes); if that has no '.', or the value is not finite, it
// prints the bits in hex. The decimal conversion below reproduces APFloat's
// steps (exact binary-to-decimal expansion, a truncation to a bit budget,
// then half-up rounding on one digit) rather than a correctly rounded
// conversion, because those print different digits in some cases; the
// float table test checks it against MLIR pattern by pattern.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "ir/printer_internal.h"

namespace applejax::ir::text {
namespace {

// How a float type spends its bits, and which patterns are special.
struct Semantics {
  int exponent_bits;
  int mantissa_bits;
  int bias;
  enum Special : uint8_t {
    kIeee,          // all-ones exponent is inf/NaN
    kAllOnesNan,    // "FN": no infinities, all-ones pattern is NaN
    kNegZeroNan,    // "FNUZ": no infinities or -0; the -0 pattern is NaN
    kFiniteOnly,    // no infinities or NaN
    kExponentOnly,  // f8E8M0FNU: unsigned powers of two, 0xFF NaN
  } special;
  int precision() const { return mantissa_bits + 1; }
  int width() const { return (special == kExponentOnly ? 0 : 1) + exponent_bits + mantissa_bits; }
};

bool semantics_of(ElementType e, Semantics& s) {
  using S = Semantics;
  switch (e) {
    case ElementType::kF64: s = {11, 52, 1023, S::kIeee}; return true;
    case ElementType::kF32: s = {8, 23, 127, S::kIeee}; return true;
    case ElementType::kF16: s = {5, 10, 15, S::kIeee}; return true;
    case ElementType::kBF16: s = {8, 7, 127, S::kIeee}; return true;
    case ElementType::kTF32: s = {8, 10, 127, S::kIeee}; return true;
    case ElementType::kF8E5M2: s = {5, 2, 15, S::kIeee}; return true;
    case ElementType::kF8E4M3: s = {4, 3, 7, S::kIeee}; return true;
    case ElementType::kF8E3M4: s = {3, 4, 3, S::kIeee}; return true;
    case ElementType::kF8E4M3FN: s = {4, 3, 7, S::kAllOnesNan}; return true;
    case ElementType::kF8E4M3FNUZ: s = {4, 3, 8, S::kNegZeroNan}; return true;
    case ElementType::kF8E5M2FNUZ: s = {5, 2, 16, S::kNegZeroNan}; return true;
    case ElementType::kF8E4M3B11FNUZ: s = {4, 3, 11, S::kNegZeroNan}; return true;
    case ElementType::kF6E2M3FN: s = {2, 3, 1, S::kFiniteOnly}; return true;
    case ElementType::kF6E3M2FN: s = {3, 2, 3, S::kFiniteOnly}; return true;
    case ElementType::kF4E2M1FN: s = {2, 1, 1, S::kFiniteOnly}; return true;
    case ElementType::kF8E8M0FNU: s = {8, 0, 127, S::kExponentOnly}; return true;
    default: return false;
  }
}

struct Decoded {
  enum Category : uint8_t { kZero, kFinite, kInf, kNaN } category = kZero;
  bool negative = false;
  int exponent = 0;           // of the leading significand bit position
  uint64_t significand = 0;   // integer, `precision` bits, implicit bit included
};

Decoded decode(uint64_t bits, const Semantics& s) {
  Decoded d;
  int w = s.width();
  bits &= w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  uint64_t max_exp = (uint64_t{1} << s.exponent_bits) - 1;
  uint64_t mantissa = bits & ((uint64_t{1} << s.mantissa_bits) - 1);
  uint64_t exp = (bits >> s.mantissa_bits) & max_exp;
  d.negative = s.special != Semantics::kExponentOnly && ((bits >> (w - 1)) & 1);
  uint64_t all_mantissa = (uint64_t{1} << s.mantissa_bits) - 1;
  switch (s.special) {
    case Semantics::kIeee:
      if (exp == max_exp) {
        d.category = mantissa ? Decoded::kNaN : Decoded::kInf;
        return d;
      }
      break;
    case Semantics::kAllOnesNan:
      if (exp == max_exp && mantissa == all_mantissa) {
        d.category = Decoded::kNaN;
        return d;
      }
      break;
    case Semantics::kNegZeroNan:
      if (d.negative && exp == 0 && mantissa == 0) {
        d.category = Decoded::kNaN;
        return d;
      }
      break;
    case Semantics::kFiniteOnly:
      break;
    case Semantics::kExponentOnly:
      if (exp == max_exp) {
        d.category = Decoded::kNaN;
      } else {
        d.category = Decoded::kFinite;
        d.exponent = static_cast<int>(exp) - s.bias;
        d.significand = 1;
      }
      return d;
  }
  if (exp == 0 && mantissa == 0) {
    d.category = Decoded::kZero;
    return d;
  }
  d.category = Decoded::kFinite;
  if (exp == 0) {  // subnormal: no implicit bit, the smallest exponent
    d.exponent = 1 - s.bias;
    d.significand = mantissa;
  } else {
    d.exponent = static_cast<int>(exp) - s.bias;
    d.significand = (uint64_t{1} << s.mantissa_bits) | mantissa;
  }
  return d;
}

// Just enough unsigned bignum for an exact decimal expansion of a double:
// shifts, multiplication and division by small numbers.
class BigUint {
 public:
  explicit BigUint(uint64_t v) {
    while (v) {
      limbs_.push_back(static_cast<uint32_t>(v));
      v >>= 32;
    }
  }
  bool is_zero() const { return limbs_.empty(); }
  unsigned bit_length() const {
    if (limbs_.empty()) return 0;
    unsigned top = 32 - static_cast<unsigned>(__builtin_clz(limbs_.back()));
    return static_cast<unsigned>(limbs_.size() - 1) * 32 + top;
  }
  void shift_left(unsigned n) {
    if (limbs_.empty()) return;
    limbs_.insert(limbs_.begin(), n / 32, 0);
    unsigned r = n % 32;
    if (!r) return;
    uint32_t carry = 0;
    for (uint32_t& l : limbs_) {
      uint32_t next = l >> (32 - r);
      l = (l << r) | carry;
      carry = next;
    }
    if (carry) limbs_.push_back(carry);
  }
  void multiply(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& l : limbs_) {
      uint64_t p = uint64_t{l} * m + carry;
      l = static_cast<uint32_t>(p);
      carry = p >> 32;
    }
    if (carry) limbs_.push_back(static_cast<uint32_t>(carry));
  }
  // Divides in place; returns the remainder.
  uint32_t divide(uint32_t d) {
    uint64_t rem = 0;
    for (size_t i = limbs_.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs_[i];
      limbs_[i] = static_cast<uint32_t>(cur / d);
      rem = cur % d;
    }
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
    return static_cast<uint32_t>(rem);
  }

 private:
  std::vector<uint32_t> limbs_;  // least significant first
};

void multiply_by_power(BigUint& n, uint32_t base, unsigned power) {
  // base^chunk must fit in 32 bits: 5^13 and 10^9 do.
  const unsigned chunk = base == 5 ? 13 : 9;
  uint32_t big = 1;
  for (unsigned i = 0; i < chunk; ++i) big *= base;
  for (; power >= chunk; power -= chunk) n.multiply(big);
  uint32_t rest = 1;
  for (unsigned i = 0; i < power; ++i) rest *= base;
  if (rest != 1) n.multiply(rest);
}

void divide_by_power_of_ten(BigUint& n, unsigned power) {
  // Dividing by 10^9 chunks floors the same as dividing by 10^power at once.
  for (; power >= 9; power -= 9) n.divide(1000000000u);
  uint32_t rest = 1;
  for (unsigned i = 0; i < power; ++i) rest *= 10;
  if (rest != 1) n.divide(rest);
}

// Drops whole decimal digits of `n` (scaling exp) while enough bits remain
// for `digits` significant ones: a truncation, before any rounding.
void trim_bits(BigUint& n, int& exp, unsigned digits) {
  unsigned bits = n.bit_length();
  unsigned needed = (digits * 196 + 58) / 59;  // 196/59 slightly over log2(10)
  if (bits <= needed) return;
  unsigned tens = (bits - needed) * 59 / 196;
  if (!tens) return;
  exp += static_cast<int>(tens);
  divide_by_power_of_ten(n, tens);
}

// Rounds the digit string (least significant first) to `digits` digits,
// half up on the first dropped digit alone, dropping trailing zeros.
void round_digits(std::string& lsd_first, int& exp, unsigned digits) {
  size_t n = lsd_first.size();
  if (n <= digits) return;
  size_t first = n - digits;  // index of the least significant kept digit
  if (lsd_first[first - 1] < '5') {
    while (first < n && lsd_first[first] == '0') ++first;
    exp += static_cast<int>(first);
    lsd_first.erase(0, first);
    return;
  }
  for (size_t i = first; i < n; ++i) {
    if (lsd_first[i] == '9') {
      ++first;
    } else {
      ++lsd_first[i];
      break;
    }
  }
  if (first == n) {  // carried out of every digit: 999 -> 1000
    exp += static_cast<int>(first);
    lsd_first = "1";
    return;
  }
  exp += static_cast<int>(first);
  lsd_first.erase(0, first);
}

std::string exponent_text(int exp, bool pad_two) {
  std::string s = exp < 0 ? "-" : "+";
  std::string digits = std::to_string(exp < 0 ? -exp : exp);
  if (pad_two && digits.size() < 2) s += "0";
  return s + digits;
}

// APFloat::toString(precision, max_padding, truncate_zero) for a finite or
// zero value. precision 0 means "enough digits to round-trip the type".
std::string decimal(const Decoded& d, const Semantics& s, unsigned precision,
                    unsigned max_padding, bool truncate_zero) {
  std::string out = d.negative ? "-" : "";
  if (d.category == Decoded::kZero) {
    if (max_padding) return out + "0";
    if (truncate_zero) return out + "0.0E+0";
    out += "0.0";
    if (precision > 1) out.append(precision - 1, '0');
    return out + "e+00";
  }
  int exp = d.exponent - (s.precision() - 1);
  if (!precision) precision = 2 + static_cast<unsigned>(s.precision()) * 59 / 196;
  uint64_t sig = d.significand;
  int trailing = __builtin_ctzll(sig);
  exp += trailing;
  sig >>= trailing;
  BigUint n(sig);
  if (exp > 0) {
    n.shift_left(static_cast<unsigned>(exp));
    exp = 0;
  } else if (exp < 0) {  // N * 2^-e == N * 5^e * 10^-e
    multiply_by_power(n, 5, static_cast<unsigned>(-exp));
  }
  trim_bits(n, exp, precision);
  std::string digits;  // least significant first
  bool in_trail = true;
  while (!n.is_zero()) {
    uint32_t digit = n.divide(10);
    if (in_trail && digit == 0) {
      ++exp;
    } else {
      digits += static_cast<char>('0' + digit);
      in_trail = false;
    }
  }
  round_digits(digits, exp, precision);
  unsigned count = static_cast<unsigned>(digits.size());

  bool scientific;
  if (!max_padding) {
    scientific = true;
  } else if (exp >= 0) {  // 765e3 -> 765000, unless that claims false precision
    scientific = static_cast<unsigned>(exp) > max_padding || count + exp > precision;
  } else {
    int msd = exp + static_cast<int>(count) - 1;  // power of the leading digit
    scientific = msd < 0 && static_cast<unsigned>(-msd) > max_padding;
  }
  if (scientific) {
    exp += static_cast<int>(count) - 1;
    out += digits[count - 1];
    out += '.';
    if (count == 1 && truncate_zero) {
      out += '0';
    } else {
      for (unsigned i = 1; i < count; ++i) out += digits[count - 1 - i];
    }
    if (!truncate_zero && precision > count - 1) out.append(precision - count + 1, '0');
    out += truncate_zero ? 'E' : 'e';
    return out + exponent_text(exp, !truncate_zero);
  }
  if (exp >= 0) {
    for (unsigned i = 0; i < count; ++i) out += digits[count - 1 - i];
    out.append(static_cast<size_t>(exp), '0');
    return out;
  }
  int whole = exp + static_cast<int>(count);  // digits left of the point
  unsigned i = 0;
  if (whole > 0) {
    for (; i < static_cast<unsigned>(whole); ++i) out += digits[count - 1 - i];
    out += '.';
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-whole), '0');
  }
  for (; i < count; ++i) out += digits[count - 1 - i];
  return out;
}

// The value as a double (exact for every type but f64, which is handled
// apart).
double exact_value(const Decoded& d, const Semantics& s) {
  double v = 0.0;
  if (d.category == Decoded::kFinite) {
    v = std::ldexp(static_cast<double>(d.significand), d.exponent - (s.precision() - 1));
  }
  return d.negative ? -v : v;
}

// Rounds a double to the nearest value of type s (ties to even), as a
// double; +-inf when it overflows the type's finite range.
double round_to(double x, const Semantics& s) {
  if (x == 0 || std::isnan(x) || std::isinf(x)) return x;
  int e2 = 0;
  std::frexp(std::fabs(x), &e2);  // |x| = m * 2^e2, m in [0.5, 1)
  int lead = e2 - 1;              // exponent of the leading bit
  int min_exp = s.special == Semantics::kExponentOnly ? -s.bias : 1 - s.bias;
  if (lead < min_exp) lead = min_exp;
  int quantum = lead - (s.precision() - 1);
  double units = std::nearbyint(std::ldexp(std::fabs(x), -quantum));
  double r = std::ldexp(units, quantum);
  // The largest finite value: all-ones exponent and mantissa, less what the
  // type reserves for inf/NaN.
  uint64_t max_exp_field = (uint64_t{1} << s.exponent_bits) - 1;
  uint64_t top_mantissa = (uint64_t{1} << s.mantissa_bits) - 1;
  if (s.special == Semantics::kIeee) --max_exp_field;
  if (s.special == Semantics::kAllOnesNan) --top_mantissa;
  if (s.special == Semantics::kExponentOnly) --max_exp_field;
  double max = std::ldexp(static_cast<double>((uint64_t{1} << s.mantissa_bits) | top_mantissa),
                          static_cast<int>(max_exp_field) - s.bias - s.mantissa_bits);
  if (r > max) r = INFINITY;
  return std::signbit(x) ? -r : r;
}

bool parses_back(const std::string& text, uint64_t bits, ElementType e, const Decoded& d,
                 const Semantics& s) {
  if (e == ElementType::kF64) {
    double v = std::strtod(text.c_str(), nullptr);
    uint64_t got;
    std::memcpy(&got, &v, 8);
    return got == bits;
  }
  if (e == ElementType::kF32) {
    float v = std::strtof(text.c_str(), nullptr);
    uint32_t got;
    std::memcpy(&got, &v, 4);
    return got == static_cast<uint32_t>(bits);
  }
  // A decimal of at most seven digits is never close enough to a tie of
  // these narrow types for rounding through double to differ.
  double v = round_to(std::strtod(text.c_str(), nullptr), s);
  double want = exact_value(d, s);
  return v == want && std::signbit(v) == std::signbit(want);
}

std::string hex_bits(uint64_t bits, const Semantics& s) {
  int w = s.width();
  if (w < 64) bits &= (uint64_t{1} << w) - 1;
  static const char kDigits[] = "0123456789ABCDEF";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[bits & 0xF]);
    bits >>= 4;
  } while (bits);
  return "0x" + digits;
}

}  // namespace

std::string float_value(uint64_t bits, ElementType e, bool* hex) {
  if (hex) *hex = false;
  Semantics s;
  if (!semantics_of(e, s)) return "<float of " + element_name(e) + ">";
  Decoded d = decode(bits, s);
  if (d.category == Decoded::kZero || d.category == Decoded::kFinite) {
    std::string six = decimal(d, s, 6, 0, false);
    if (parses_back(six, bits, e, d, s)) return six;
    std::string shortest = decimal(d, s, 0, 3, true);
    if (shortest.find('.') != std::string::npos) return shortest;
  }
  if (hex) *hex = true;
  return hex_bits(bits, s);
}

}  // namespace applejax::ir::text
