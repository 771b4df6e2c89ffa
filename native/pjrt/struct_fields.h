// Output fields that were added to an argument struct in later PJRT versions:
// an older jaxlib passes a shorter struct (its struct_size), and writing past
// it would scribble over the caller's stack.
#pragma once

#include <cstddef>
#include <type_traits>

#define APPLEJAX_SET_IF_PRESENT(args, field, value)                                   \
  do {                                                                                \
    using ArgsType = std::remove_reference_t<decltype(*(args))>;                     \
    if (offsetof(ArgsType, field) + sizeof((args)->field) <= (args)->struct_size) \
      (args)->field = (value);                                                       \
  } while (0)
