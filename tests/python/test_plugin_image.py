"""The static reader of the plugin attributes table (scripts/plugin_image.py).

The macOS build is only ever read, never loaded, so the reader is trusted
because on Linux it agrees with what the loaded plugin returns from
PJRT_Plugin_Attributes, decoded by the same code over live memory.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pytest
from project_scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
MAC_BUILD = ROOT / "build-macos-arm64" / "libpjrt_plugin_mps.dylib"
# CI builds the macOS plugin before the suite runs: there these tests always
# run (and fail if the file is missing); elsewhere they skip without it.
IN_CI = os.environ.get("CI", "") not in ("", "0", "false")


plugin_image = load_script("plugin_image")


def _linux_plugin() -> Path:
  path = Path(os.environ.get("APPLEJAX_PLUGIN_PATH") or ROOT / "build" / "libpjrt_plugin_mps.so")
  if not path.is_file():
    pytest.fail(f"no Linux plugin at {path}: build it (deno task build) or set APPLEJAX_PLUGIN_PATH")
  return path


def _lock_table() -> list:
  """What the lock says the plugin announces (the header is generated from it)."""
  stablehlo = json.loads((ROOT / "applejax.lock.json").read_text())["stablehlo"]
  return [
      plugin_image.NamedValue("stablehlo_current_version", "int64_list",
                              [int(p) for p in stablehlo["plugin_current"].split(".")]),
      plugin_image.NamedValue("stablehlo_minimum_version", "int64_list",
                              [int(p) for p in stablehlo["plugin_minimum"].split(".")]),
  ]


def _patched_copy(src: Path, tmp_path: Path, patch) -> Path:
  """A copy of src with patch(image, bytearray) applied to its bytes."""
  image = plugin_image.FileImage(src)
  data = bytearray(image.data)
  patch(image, data)
  out = tmp_path / src.name
  out.write_bytes(bytes(data))
  return out


def _table_address(image) -> int:
  return image.symbols[plugin_image.TABLE_SYMBOL]


def test_static_read_equals_what_the_loaded_plugin_returns():
  path = _linux_plugin()
  static = plugin_image.static_attributes(path)
  live = plugin_image.live_attributes(path)
  assert static, "the table read from the file is empty"
  assert static == live


def test_linux_table_is_the_locked_stablehlo_range():
  assert plugin_image.static_attributes(_linux_plugin()) == _lock_table()


def test_a_patched_value_in_the_file_is_read_and_differs_from_the_live_table(tmp_path):
  path = _linux_plugin()

  def bump_first_list_element(image, data):
    table = _table_address(image)
    first = image.pointer(table)
    values = image.pointer(first + plugin_image._VALUE)
    offset = image.file_offset(values)
    (old,) = struct.unpack_from("<q", data, offset)
    struct.pack_into("<q", data, offset, old + 100)

  patched = _patched_copy(path, tmp_path, bump_first_list_element)
  static = plugin_image.static_attributes(patched)
  live = plugin_image.live_attributes(path)
  assert static != live
  assert static[0].value[0] == live[0].value[0] + 100
  assert static[1:] == live[1:]


def test_an_implausible_count_is_an_error_not_a_huge_read(tmp_path):
  def huge_count(image, data):
    struct.pack_into("<Q", data, image.file_offset(_table_address(image) + 8), 1 << 40)

  patched = _patched_copy(_linux_plugin(), tmp_path, huge_count)
  with pytest.raises(plugin_image.PluginImageError, match="not plausible"):
    plugin_image.static_attributes(patched)


def test_an_unknown_value_type_is_named(tmp_path):
  def bad_type(image, data):
    first = image.pointer(_table_address(image))
    struct.pack_into("<I", data, image.file_offset(first + plugin_image._TYPE), 9)

  patched = _patched_copy(_linux_plugin(), tmp_path, bad_type)
  with pytest.raises(plugin_image.PluginImageError, match="stablehlo_current_version.*Type 9"):
    plugin_image.static_attributes(patched)


def test_a_library_without_the_table_says_which_symbol_is_missing(tmp_path):
  # Any shared library of the system works; libc is always there.
  other = tmp_path / "libother.so"
  libc = next(p for p in [Path("/lib/x86_64-linux-gnu/libc.so.6"), Path("/usr/lib64/libc.so.6"),
                          Path("/lib64/libc.so.6")] if p.is_file())
  shutil.copy(libc, other)
  with pytest.raises(plugin_image.PluginImageError, match="applejax_plugin_attributes"):
    plugin_image.static_attributes(other)


def test_a_file_that_is_no_library_is_refused(tmp_path):
  junk = tmp_path / "junk.dylib"
  junk.write_bytes(b"not a library at all" * 10)
  with pytest.raises(plugin_image.PluginImageError, match="neither ELF nor Mach-O"):
    plugin_image.static_attributes(junk)


def test_cli_exit_codes(tmp_path, capsys):
  assert plugin_image.main([str(_linux_plugin())]) == 0
  printed = json.loads(capsys.readouterr().out)
  assert printed == [v.as_json() for v in _lock_table()]
  assert plugin_image.main([str(tmp_path / "absent.so")]) == 1
  assert plugin_image.main([]) == 2


@pytest.mark.skipif(not MAC_BUILD.is_file() and not IN_CI,
                    reason=f"no macOS build at {MAC_BUILD}: `deno task build --target macos-arm64`"
                    " makes it (CI always builds it before this test)")
def test_macos_build_table_is_the_locked_stablehlo_range():
  assert plugin_image.FileImage(MAC_BUILD).format == "Mach-O"
  assert plugin_image.static_attributes(MAC_BUILD) == _lock_table()


@pytest.mark.skipif(not MAC_BUILD.is_file() and not IN_CI, reason=f"no macOS build at {MAC_BUILD}")
def test_macos_build_and_linux_build_announce_the_same_table():
  assert plugin_image.static_attributes(MAC_BUILD) == plugin_image.live_attributes(_linux_plugin())


LIBMLX = ROOT / ".deps" / "macos-arm64" / "site-packages" / "mlx" / "lib" / "libmlx.dylib"


@pytest.mark.skipif(not LIBMLX.is_file() and not IN_CI,
                    reason=f"no {LIBMLX}: `deno task setup-deps --target macos-arm64`")
def test_a_macho_library_without_the_table_is_refused():
  image = plugin_image.FileImage(LIBMLX)
  assert image.format == "Mach-O"
  with pytest.raises(plugin_image.PluginImageError, match="no symbol"):
    plugin_image.static_attributes(LIBMLX)


@pytest.mark.skipif(not LIBMLX.is_file() and not IN_CI,
                    reason=f"no {LIBMLX}: `deno task setup-deps --target macos-arm64`")
def test_chained_fixups_resolve_to_unslid_addresses():
  """libmlx.dylib (Apple's linker) uses chained fixups, which the zig-linked
  plugin does not: its pointers into __cstring must come out as addresses of
  the strings, not as the encoded words the file holds."""
  image = plugin_image.FileImage(LIBMLX)
  lief = pytest.importorskip("lief")
  cstring = lief.MachO.parse(str(LIBMLX)).at(0).get_section("__cstring")
  start, end = cstring.virtual_address, cstring.virtual_address + cstring.size
  into_strings = [a for a, target in image.pointers.items() if start <= target < end]
  assert len(into_strings) > 10
  encoded = 0
  for address in into_strings:
    target = image.pointer(address)
    text = image.read(target, min(64, end - target)).split(b"\0")[0]
    assert text.isascii(), (hex(address), text)
    raw = struct.unpack("<Q", image.read(address, 8))[0]
    encoded += raw != target
  assert encoded == len(into_strings)  # every raw word carries the chain's bits
  assert any(image.read(image.pointer(a), 8) == b"float32\0" for a in into_strings)
