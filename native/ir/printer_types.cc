// Types as MLIR prints them.
#include "ir/printer_internal.h"

namespace applejax::ir::text {

std::string element_name(ElementType e) { return std::string(element_type_name(e)); }

std::string type_text(const Type& t) {
  switch (t.kind) {
    case Type::Kind::kTensor: {
      std::string s = "tensor<";
      auto dim = [](int64_t d) { return d == kDynamic ? std::string("?") : std::to_string(d); };
      for (int64_t d : t.shape) s += dim(d) + "x";
      s += element_name(t.element);
      if (!t.bounds.empty()) {
        s += ", #stablehlo.bounds<";
        for (size_t i = 0; i < t.bounds.size(); ++i) s += (i ? ", " : "") + dim(t.bounds[i]);
        s += ">";
      }
      return s + ">";
    }
    case Type::Kind::kTuple: {
      std::string s = "tuple<";
      for (size_t i = 0; i < t.elements.size(); ++i) s += (i ? ", " : "") + type_text(t.elements[i]);
      return s + ">";
    }
    case Type::Kind::kToken: return "!stablehlo.token";
    case Type::Kind::kFuture: {
      std::string s = "!stablehlo.future<";
      for (size_t i = 0; i < t.elements.size(); ++i) s += (i ? ", " : "") + type_text(t.elements[i]);
      return s + ">";
    }
    case Type::Kind::kNone:
      // The reader leaves a bare element type (a type attribute naming one,
      // as the dot algorithm's do) in a kNone type with its element set.
      return t.element == ElementType::kInvalid ? "none" : element_name(t.element);
  }
  return "none";
}

std::string function_type_text(const std::vector<Type>& inputs, const std::vector<Type>& outputs) {
  std::string s = "(";
  for (size_t i = 0; i < inputs.size(); ++i) s += (i ? ", " : "") + type_text(inputs[i]);
  s += ") -> ";
  // One result goes bare; MLIR parenthesises it only when it is itself a
  // function type, which an ir::Type cannot be.
  if (outputs.size() == 1) return s + type_text(outputs[0]);
  s += "(";
  for (size_t i = 0; i < outputs.size(); ++i) s += (i ? ", " : "") + type_text(outputs[i]);
  return s + ")";
}

std::string type_attribute_text(const Attribute& a) {
  // The reader stores a function type as a two-element tuple of tuples
  // (inputs, outputs) marked by s == "function".
  if (a.s == "function" && a.type.kind == Type::Kind::kTuple && a.type.elements.size() == 2) {
    return function_type_text(a.type.elements[0].elements, a.type.elements[1].elements);
  }
  return type_text(a.type);
}

}  // namespace applejax::ir::text
