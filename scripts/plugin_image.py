"""Reads the plugin attributes table (PJRT_Plugin_Attributes) out of a built
plugin, ELF or Mach-O, without loading it; or out of a loaded plugin.

Why both: the macOS build is checked on Linux, where it cannot be loaded, so
the table it will announce to jaxlib has to be read from the file. To trust
that static reading, the same decoder runs over the live memory of the Linux
plugin (tests/python/test_plugin_image.py compares the two).

native/pjrt/plugin.cc keeps the table under the hidden C symbol
`applejax_plugin_attributes` ({const PJRT_NamedValue* attributes;
size_t num_attributes}, constant-initialised), so the bytes in the file are
the table. Pointer fields in a file are what the loader would leave at load
address 0: for ELF the addend of an R_*_RELATIVE relocation, for Mach-O the
unslid address that classic dyld rebase info leaves in place, or the target
of a chained fixup.

Usage: plugin_image.py LIBRARY [--live]   (prints the table as JSON)
Exit: 0 read, 1 the library has no readable table, 2 bad usage.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import struct
import sys
from pathlib import Path
from typing import Protocol

TABLE_SYMBOL = "applejax_plugin_attributes"

# PJRT_NamedValue on a 64-bit target (native/pjrt/pjrt_abi.h): struct_size,
# extension_start, name, name_size, type (enum, padded to 8), the value union,
# value_size. Its end is PJRT_NamedValue_STRUCT_SIZE and, with no tail
# padding, also the array stride.
NAMED_VALUE_SIZE = 56
_NAME, _NAME_SIZE, _TYPE, _VALUE, _VALUE_SIZE = 16, 24, 32, 40, 48
TYPES = {0: "string", 1: "int64", 2: "int64_list", 3: "float", 4: "bool"}

# Bounds that no real table comes near; past them the bytes are not a table
# (a wrong symbol, a misread pointer) and decoding stops with an error.
MAX_ATTRIBUTES = 256
MAX_LENGTH = 1 << 16


class PluginImageError(Exception):
  """The library, or what it holds at the table, is not a readable table."""


@dataclasses.dataclass(frozen=True)
class NamedValue:
  name: str
  type: str
  value: object

  def as_json(self) -> dict:
    return {"name": self.name, "type": self.type, "value": self.value}


class Memory(Protocol):
  """An address space the decoder reads: a file image or a live process."""

  def read(self, address: int, size: int) -> bytes:
    ...

  def pointer(self, address: int) -> int:
    """The pointer stored at address, as the loader leaves it."""
    ...


def _u64(memory: Memory, address: int) -> int:
  return struct.unpack("<Q", memory.read(address, 8))[0]


def decode_named_values(memory: Memory, address: int, count: int) -> list[NamedValue]:
  """Decodes `count` PJRT_NamedValue structs starting at `address`."""
  if not 0 <= count <= MAX_ATTRIBUTES:
    raise PluginImageError(f"attribute count {count} is not plausible (limit {MAX_ATTRIBUTES})")
  if count and not address:
    raise PluginImageError(f"{count} attributes at a null address")
  values = []
  for i in range(count):
    base = address + i * NAMED_VALUE_SIZE
    where = f"attribute {i} at {base:#x}"
    struct_size = _u64(memory, base)
    if struct_size < NAMED_VALUE_SIZE:
      raise PluginImageError(f"{where}: struct_size {struct_size} < {NAMED_VALUE_SIZE}")
    name_size = _u64(memory, base + _NAME_SIZE)
    if name_size > MAX_LENGTH:
      raise PluginImageError(f"{where}: name_size {name_size} is not plausible")
    name_bytes = memory.read(memory.pointer(base + _NAME), name_size)
    try:
      name = name_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
      raise PluginImageError(f"{where}: name is not UTF-8 ({name_bytes!r})") from e
    where = f"attribute {name!r}"
    type_code = struct.unpack("<I", memory.read(base + _TYPE, 4))[0]
    if type_code not in TYPES:
      raise PluginImageError(f"{where}: unknown PJRT_NamedValue_Type {type_code}")
    kind = TYPES[type_code]
    value_size = _u64(memory, base + _VALUE_SIZE)
    if value_size > MAX_LENGTH:
      raise PluginImageError(f"{where}: value_size {value_size} is not plausible")
    slot = base + _VALUE
    if kind == "string":
      value: object = memory.read(memory.pointer(slot), value_size).decode("utf-8", "replace")
    elif kind == "int64_list":
      data = memory.read(memory.pointer(slot), 8 * value_size) if value_size else b""
      value = list(struct.unpack(f"<{value_size}q", data))
    elif kind == "int64":
      value = struct.unpack("<q", memory.read(slot, 8))[0]
    elif kind == "float":
      value = struct.unpack("<f", memory.read(slot, 4))[0]
    else:
      value = memory.read(slot, 1) != b"\0"
    values.append(NamedValue(name, kind, value))
  return values


class LiveMemory:
  """This process's memory, for a plugin loaded with ctypes."""

  def read(self, address: int, size: int) -> bytes:
    if size and not address:
      raise PluginImageError("read through a null pointer")
    return ctypes.string_at(address, size)

  def pointer(self, address: int) -> int:
    return _u64(self, address)


class _Segment:
  def __init__(self, address: int, memory_size: int, offset: int, file_size: int):
    self.address, self.memory_size = address, memory_size
    self.offset, self.file_size = offset, file_size


class FileImage:
  """A library file seen as the address space it would be loaded into at 0."""

  def __init__(self, path: Path):
    import lief  # pinned in .venv; imported here so LiveMemory needs nothing

    lief.logging.disable()
    self.path = path
    self.data = path.read_bytes()
    self.segments: list[_Segment] = []
    self.pointers: dict[int, int] = {}  # address -> loader-written value
    self.imports: dict[int, str] = {}  # address -> imported symbol bound there
    self.symbols: dict[str, int] = {}
    self.slice_offset = 0
    if lief.is_elf(str(path)):
      self.format = "ELF"
      self._load_elf(lief.ELF.parse(str(path)))
    elif lief.is_macho(str(path)):
      self.format = "Mach-O"
      fat = lief.MachO.parse(str(path))
      if fat is None or fat.size == 0:
        raise PluginImageError(f"{path}: lief cannot parse this Mach-O")
      binary = fat.at(0)
      for i in range(fat.size):
        if fat.at(i).header.cpu_type == lief.MachO.Header.CPU_TYPE.ARM64:
          binary = fat.at(i)
      self._load_macho(binary)
    else:
      raise PluginImageError(f"{path}: neither ELF nor Mach-O")

  def _load_elf(self, binary) -> None:
    import lief

    if binary is None:
      raise PluginImageError(f"{self.path}: lief cannot parse this ELF")
    if binary.header.identity_class != lief.ELF.Header.CLASS.ELF64:
      raise PluginImageError(f"{self.path}: a 32-bit ELF; the reader knows the 64-bit layout only")
    for seg in binary.segments:
      if seg.type == lief.ELF.Segment.TYPE.LOAD:
        self.segments.append(
            _Segment(seg.virtual_address, seg.virtual_size, seg.file_offset, seg.physical_size))
    relative = {lief.ELF.Relocation.TYPE.X86_64_RELATIVE, lief.ELF.Relocation.TYPE.AARCH64_RELATIVE}
    for rel in binary.dynamic_relocations:
      if rel.type in relative:
        self.pointers[rel.address] = rel.addend
      elif rel.has_symbol and rel.symbol.name:
        if rel.symbol.is_function or rel.symbol.value == 0:
          self.imports[rel.address] = rel.symbol.name
        else:
          self.pointers[rel.address] = rel.symbol.value + rel.addend
    for sym in list(binary.symtab_symbols) + list(binary.dynamic_symbols):
      if sym.name and sym.value:
        self.symbols.setdefault(sym.name, sym.value)

  def _load_macho(self, binary) -> None:
    import lief

    self.slice_offset = binary.fat_offset
    for seg in binary.segments:
      if seg.name == "__PAGEZERO":
        continue
      self.segments.append(
          _Segment(seg.virtual_address, seg.virtual_size, seg.file_offset, seg.file_size))
    for rel in binary.relocations:
      if isinstance(rel, lief.MachO.RelocationFixup):
        self.pointers[rel.address] = rel.target
    for bind in binary.bindings:
      if bind.has_symbol:
        self.imports[bind.address] = bind.symbol.name
    for sym in binary.symbols:
      # Mach-O C names carry a leading underscore; undefined ones have value 0.
      if sym.name and sym.value:
        self.symbols.setdefault(sym.name[1:] if sym.name.startswith("_") else sym.name, sym.value)

  def _segment(self, address: int, size: int) -> _Segment:
    for seg in self.segments:
      if seg.address <= address and address + size <= seg.address + seg.memory_size:
        return seg
    raise PluginImageError(f"{self.path}: {size} bytes at {address:#x} lie in no segment")

  def file_offset(self, address: int) -> int:
    """Where in the file the byte at `address` is (for tests that patch it)."""
    seg = self._segment(address, 1)
    if address - seg.address >= seg.file_size:
      raise PluginImageError(f"{self.path}: {address:#x} is zero-fill, not in the file")
    return self.slice_offset + seg.offset + address - seg.address

  def read(self, address: int, size: int) -> bytes:
    seg = self._segment(address, size)
    start = address - seg.address
    # Past the file-backed part a segment is zero-filled (bss).
    in_file = max(0, min(size, seg.file_size - start))
    offset = self.slice_offset + seg.offset + start
    return self.data[offset:offset + in_file] + b"\0" * (size - in_file)

  def pointer(self, address: int) -> int:
    if address in self.imports:
      raise PluginImageError(
          f"{self.path}: the pointer at {address:#x} is bound to the import "
          f"{self.imports[address]!r}; a table of our own holds no imported address")
    if address in self.pointers:
      return self.pointers[address]
    # No fixup: an absolute value the loader leaves alone (null, or the
    # unslid address classic Mach-O rebase info keeps in the file).
    return _u64(self, address)


def static_attributes(path: Path) -> list[NamedValue]:
  """The attributes table of the library at `path`, read from the file."""
  if not path.is_file():
    raise PluginImageError(f"{path}: no such file")
  image = FileImage(path)
  table = image.symbols.get(TABLE_SYMBOL)
  if table is None:
    raise PluginImageError(
        f"{path}: no symbol {TABLE_SYMBOL!r} (stripped, or built before native/pjrt/plugin.cc "
        "kept the table under that name); rebuild the plugin without stripping")
  return decode_named_values(image, image.pointer(table), _u64(image, table + 8))


class _ApiVersion(ctypes.Structure):
  _fields_ = [("struct_size", ctypes.c_size_t), ("extension_start", ctypes.c_void_p),
              ("major_version", ctypes.c_int), ("minor_version", ctypes.c_int)]


class _ApiHead(ctypes.Structure):
  """The start of PJRT_Api, up to PJRT_Plugin_Attributes."""
  _fields_ = [("struct_size", ctypes.c_size_t), ("extension_start", ctypes.c_void_p),
              ("pjrt_api_version", _ApiVersion), ("PJRT_Error_Destroy", ctypes.c_void_p),
              ("PJRT_Error_Message", ctypes.c_void_p), ("PJRT_Error_GetCode", ctypes.c_void_p),
              ("PJRT_Plugin_Initialize", ctypes.c_void_p),
              ("PJRT_Plugin_Attributes", ctypes.c_void_p)]


class _AttributesArgs(ctypes.Structure):
  _fields_ = [("struct_size", ctypes.c_size_t), ("extension_start", ctypes.c_void_p),
              ("attributes", ctypes.c_void_p), ("num_attributes", ctypes.c_size_t)]


def live_attributes(path: Path) -> list[NamedValue]:
  """Loads the plugin and decodes what its PJRT_Plugin_Attributes returns."""
  library = ctypes.CDLL(str(path))
  library.GetPjrtApi.restype = ctypes.POINTER(_ApiHead)
  api = library.GetPjrtApi().contents
  if api.struct_size < ctypes.sizeof(_ApiHead) or not api.PJRT_Plugin_Attributes:
    raise PluginImageError(f"{path}: PJRT_Api has no PJRT_Plugin_Attributes")
  call = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.POINTER(_AttributesArgs))(
      api.PJRT_Plugin_Attributes)
  args = _AttributesArgs(struct_size=ctypes.sizeof(_AttributesArgs))
  if call(ctypes.byref(args)):
    raise PluginImageError(f"{path}: PJRT_Plugin_Attributes returned an error")
  return decode_named_values(LiveMemory(), args.attributes or 0, args.num_attributes)


def main(argv: list[str]) -> int:
  args = [a for a in argv if a != "--live"]
  if len(args) != 1:
    print("usage: plugin_image.py LIBRARY [--live]", file=sys.stderr)
    return 2
  path = Path(args[0])
  try:
    values = live_attributes(path) if "--live" in argv else static_attributes(path)
  except (PluginImageError, OSError) as e:
    print(f"plugin_image: {e}", file=sys.stderr)
    return 1
  print(json.dumps([v.as_json() for v in values], indent=2))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
