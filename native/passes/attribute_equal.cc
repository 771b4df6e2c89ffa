#include "passes/attribute_equal.h"

#include <cstring>

namespace applejax::passes {

bool same_attribute(const ir::Attribute& a, const ir::Attribute& b) {
  if (a.kind != b.kind || a.b != b.b || a.i != b.i || a.s != b.s || a.enum_name != b.enum_name ||
      !(a.type == b.type) || a.array.size() != b.array.size() ||
      a.dict.size() != b.dict.size())
    return false;
  // A one-element tensor reads the same stored as a splat or not.
  if (a.splat != b.splat && !(a.type.is_tensor() && a.type.num_elements() == 1)) return false;
  // Compare float bits: -0.0 and 0.0 differ, NaN equals itself.
  if (std::memcmp(&a.f, &b.f, sizeof a.f) != 0) return false;
  if (static_cast<bool>(a.data) != static_cast<bool>(b.data)) return false;
  if (a.data && a.data != b.data && *a.data != *b.data) return false;
  for (size_t i = 0; i < a.array.size(); ++i)
    if (!same_attribute(a.array[i], b.array[i])) return false;
  return same_attributes(a.dict, b.dict);
}

bool same_attributes(const std::vector<ir::NamedAttribute>& a,
                     const std::vector<ir::NamedAttribute>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !same_attribute(a[i].second, b[i].second)) return false;
  return true;
}

}  // namespace applejax::passes
