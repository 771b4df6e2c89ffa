// Comparing our printer's text with jaxlib's generic-form print of the same
// artifact. The two agree on everything but value numbering (MLIR numbers in
// an order of its own), so names are made canonical first; nothing else is
// normalised. Header-only: each test is its own executable.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace applejax::test {

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Renames every value (%arg3, %12, the %6 of %6:2 and %6#1) to %v<k> and
// every block label (^bb0) to ^b<k>, numbered in order of first appearance,
// leaving string literals alone; drops ` loc(...)` in case a print has them.
inline std::string canonical_names(std::string_view text) {
  std::unordered_map<std::string, std::string> values, blocks;
  std::string out;
  out.reserve(text.size());
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c == '.' || c == '-';
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {  // copy a string literal whole, escapes included
      size_t j = i + 1;
      while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
      out.append(text.substr(i, j + 1 - i));
      i = j + 1;
      continue;
    }
    if (text.compare(i, 5, " loc(") == 0) {
      size_t j = i + 5;
      for (int depth = 1; j < text.size() && depth > 0; ++j) {
        if (text[j] == '"') {
          for (++j; j < text.size() && text[j] != '"'; j += text[j] == '\\' ? 2 : 1) {}
        } else if (text[j] == '(') {
          ++depth;
        } else if (text[j] == ')') {
          --depth;
        }
      }
      i = j;
      continue;
    }
    bool value = c == '%';
    bool block = text.compare(i, 3, "^bb") == 0;
    if (value || block) {
      size_t j = i + 1;
      while (j < text.size() && name_char(text[j])) ++j;
      std::string name(text.substr(i, j - i));
      auto& table = value ? values : blocks;
      auto [it, fresh] = table.try_emplace(name, "");
      if (fresh) it->second = (value ? "%v" : "^b") + std::to_string(table.size() - 1);
      out += it->second;
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// The first line where the two texts differ, as "line N:\n ours: ...\n
// jaxlib: ..." (long lines cut around the first differing column); empty
// when equal.
inline std::string first_difference(const std::string& ours, const std::string& theirs) {
  size_t line = 1, a = 0, b = 0;
  while (a < ours.size() || b < theirs.size()) {
    size_t ea = ours.find('\n', a), eb = theirs.find('\n', b);
    std::string_view la = std::string_view(ours).substr(a, ea == std::string::npos ? std::string::npos : ea - a);
    std::string_view lb =
        std::string_view(theirs).substr(b, eb == std::string::npos ? std::string::npos : eb - b);
    if (la != lb) {
      size_t col = 0;
      while (col < la.size() && col < lb.size() && la[col] == lb[col]) ++col;
      size_t from = col > 120 ? col - 120 : 0;
      auto cut = [&](std::string_view s) { return std::string(s.substr(std::min(from, s.size()), 300)); };
      return "line " + std::to_string(line) + ", column " + std::to_string(col + 1) +
             ":\n   ours:   " + cut(la) + "\n   jaxlib: " + cut(lb);
    }
    if (ea == std::string::npos || eb == std::string::npos) break;
    a = ea + 1;
    b = eb + 1;
    ++line;
  }
  return "";
}

}  // namespace applejax::test
