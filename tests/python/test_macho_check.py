"""scripts/macho_check.py: the check of the macOS wheel and its Mach-O plugin.

A small dylib cross-linked here by the pinned zig (the same toolchain as the
macOS build) against the macOS wheels in .deps stands in for the plugin, so
that the check is seen to pass on a good wheel and to fail, naming the
problem, on each kind of bad one. The real wheel is checked too where it has
been built (CI builds it first).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from project_scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
DEPS = ROOT / ".deps" / "macos-arm64" / "site-packages"
REAL_WHEEL = ROOT / "dist" / "applejax-0.1.0-py3-none-macosx_14_0_arm64.whl"
REAL_DYLIB = ROOT / "build-macos-arm64" / "libpjrt_plugin_mps.dylib"
WHEEL_NAME = "applejax-0.1.0-py3-none-macosx_14_0_arm64.whl"


macho_check = load_script("macho_check")

# CI builds the macOS wheel before the suite runs: there the tests always run
# (and fail if what they read is missing); elsewhere they skip without it.
IN_CI = os.environ.get("CI", "") not in ("", "0", "false")


def mac_input(present: bool, reason: str):
  return pytest.mark.skipif(not present and not IN_CI, reason=reason)


needs_deps = mac_input(
    (DEPS / "mlx" / "lib" / "libmlx.dylib").is_file(),
    f"no macOS dependency wheels in {DEPS}: `deno task setup-deps --target macos-arm64`")

# A stand-in plugin: the attributes table as native/pjrt/plugin.cc lays it
# out, the two exports, and the wheel layout's rpaths. SLOPPY adds what the
# check must catch: an export that hidden visibility should have hidden and
# an import left to lookup at load time.
FIXTURE = r"""
#include "pjrt/pjrt_abi.h"
#include "applejax_versions.h"
namespace {
constexpr int64_t kCurrent[] = {APPLEJAX_STABLEHLO_CURRENT_MAJOR, APPLEJAX_STABLEHLO_CURRENT_MINOR,
                                APPLEJAX_STABLEHLO_CURRENT_PATCH};
constexpr int64_t kMinimum[] = {APPLEJAX_STABLEHLO_MINIMUM_MAJOR, APPLEJAX_STABLEHLO_MINIMUM_MINOR,
                                APPLEJAX_STABLEHLO_MINIMUM_PATCH};
constexpr PJRT_NamedValue list(const char* name, size_t size, const int64_t* values) {
  PJRT_NamedValue v{};
  v.struct_size = PJRT_NamedValue_STRUCT_SIZE;
  v.name = name;
  v.name_size = size;
  v.type = PJRT_NamedValue_kInt64List;
  v.int64_array_value = values;
  v.value_size = 3;
  return v;
}
constexpr PJRT_NamedValue kTable[] = {list("stablehlo_current_version", 25, kCurrent),
                                      list("stablehlo_minimum_version", 25, kMinimum)};
}  // namespace
struct Table { const PJRT_NamedValue* attributes; size_t num_attributes; };
extern "C" [[gnu::used]] __attribute__((visibility("hidden"))) constinit const Table
    applejax_plugin_attributes = {kTable, 2};
extern "C" __attribute__((visibility("default"))) const PJRT_Api* GetPjrtApi() {
  return reinterpret_cast<const PJRT_Api*>(&applejax_plugin_attributes);
}
extern "C" __attribute__((visibility("default"))) void ApplejaxSetHostCallbackHandler(void*) {}
#ifdef SLOPPY
extern "C" void applejax_nowhere();
extern "C" __attribute__((visibility("default"))) void leaked() { applejax_nowhere(); }
#endif
"""


def _zig() -> Path:
  try:
    import ziglang
  except ImportError:
    pytest.skip("ziglang (the macOS cross toolchain pin) is not installed: deno task setup-deps")
  return Path(ziglang.__file__).parent / "zig"


def _link(out: Path, *extra: str) -> Path:
  source = out.with_suffix(".cc")
  source.write_text(FIXTURE)
  cmd = [str(_zig()), "c++", "-target", "aarch64-macos.14.0", "-std=c++20", "-O1",
         "-fvisibility=hidden", "-nostdlib++", "-shared", f"-I{ROOT / 'native'}",
         f"-I{ROOT / 'build' / 'generated'}", str(source),
         str(DEPS / "mlx" / "lib" / "libmlx.dylib"),
         str(DEPS / "scipy_openblas32" / "lib" / "libscipy_openblas.dylib"),
         "-Wl,-install_name,@rpath/libpjrt_plugin_mps.dylib", "-Wl,-rpath,@loader_path",
         "-Wl,-rpath,@loader_path/../../mlx/lib",
         "-Wl,-rpath,@loader_path/../../scipy_openblas32/lib", *extra, "-o", str(out)]
  done = subprocess.run(cmd, capture_output=True, text=True)
  assert done.returncode == 0, done.stderr
  return out


@pytest.fixture(scope="module")
def fixture_dylib(tmp_path_factory) -> Path:
  return _link(tmp_path_factory.mktemp("fixture") / "libpjrt_plugin_mps.dylib")


def _record_hash(data: bytes) -> str:
  return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


METADATA = """Metadata-Version: 2.4
Name: applejax
Version: 0.1.0
Requires-Dist: jax>=0.9.2,<0.13
Requires-Dist: jaxlib>=0.9.2,<0.13
Requires-Dist: mlx==0.32.4
Requires-Dist: mlx-cpu==0.32.4 ; platform_system == 'Linux'
Requires-Dist: mlx-metal==0.32.4 ; platform_system == 'Darwin'
Requires-Dist: scipy-openblas32==0.3.34.481.3
Requires-Python: >=3.11
"""


def make_wheel(directory: Path, dylib: Path, *, name: str = WHEEL_NAME,
               tag: str = "py3-none-macosx_14_0_arm64", metadata: str = METADATA,
               corrupt_record: bool = False) -> Path:
  """A wheel laid out as `deno task wheel --target macos-arm64` makes it."""
  files = {
      "jax_plugins/mps/__init__.py": (ROOT / "python/jax_plugins/mps/__init__.py").read_bytes(),
      "jax_plugins/mps/libpjrt_plugin_mps.dylib": dylib.read_bytes(),
      "applejax-0.1.0.dist-info/METADATA": metadata.encode(),
      "applejax-0.1.0.dist-info/entry_points.txt": b"[jax_plugins]\nmps = jax_plugins.mps\n",
      "applejax-0.1.0.dist-info/WHEEL":
          f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
  }
  record = io.StringIO()
  for member, data in files.items():
    digest = _record_hash(data + (b"x" if corrupt_record else b""))
    record.write(f"{member},{digest},{len(data)}\n")
  record.write("applejax-0.1.0.dist-info/RECORD,,\n")
  directory.mkdir(parents=True, exist_ok=True)
  path = directory / name
  with zipfile.ZipFile(path, "w") as z:
    for member, data in files.items():
      z.writestr(member, data)
    z.writestr("applejax-0.1.0.dist-info/RECORD", record.getvalue())
  return path


def run_check(wheel: Path, deps: Path = DEPS) -> tuple[int, str]:
  out = io.StringIO()
  code = macho_check.main([str(wheel), str(deps)], out=out)
  return code, out.getvalue()


def _patched(src: Path, dst: Path, old: bytes, new: bytes) -> Path:
  data = src.read_bytes()
  assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times in {src}"
  assert len(new) <= len(old)
  dst.write_bytes(data.replace(old, new.ljust(len(old), b"\0")))
  return dst


@needs_deps
def test_a_good_wheel_passes_every_check(fixture_dylib, tmp_path):
  code, report = run_check(make_wheel(tmp_path, fixture_dylib))
  assert code == 0, report
  assert "@rpath/libmlx.dylib -> mlx/lib/libmlx.dylib" in report
  assert "@rpath/libscipy_openblas.dylib -> scipy_openblas32/lib/libscipy_openblas.dylib" in report
  assert "attribute stablehlo_current_version (int64_list)" in report
  assert "/opt/gfortran" in report  # scipy-openblas's own rpaths: reported, not failed


@needs_deps
def test_a_wrong_platform_tag_fails(fixture_dylib, tmp_path):
  wheel = make_wheel(tmp_path, fixture_dylib,
                     name="applejax-0.1.0-py3-none-macosx_11_0_x86_64.whl",
                     tag="py3-none-macosx_11_0_x86_64")
  code, report = run_check(wheel)
  assert code == 1
  assert "FAIL wheel file name tag 'py3-none-macosx_11_0_x86_64'" in report
  assert "FAIL WHEEL Tag ['py3-none-macosx_11_0_x86_64']" in report


@needs_deps
def test_a_record_that_does_not_match_fails(fixture_dylib, tmp_path):
  code, report = run_check(make_wheel(tmp_path, fixture_dylib, corrupt_record=True))
  assert code == 1
  assert "FAIL wheel RECORD: applejax-0.1.0.dist-info/METADATA: RECORD says" in report


@needs_deps
def test_a_linux_only_dependency_without_marker_fails(fixture_dylib, tmp_path):
  metadata = METADATA.replace("mlx-cpu==0.32.4 ; platform_system == 'Linux'", "mlx-cpu==0.32.4")
  code, report = run_check(make_wheel(tmp_path, fixture_dylib, metadata=metadata))
  assert code == 1
  assert "mlx-cpu==0.32.4 applies on macOS but the lock pins mlx-cpu for ['linux'] only" in report


@needs_deps
def test_a_jax_range_other_than_pyproject_fails(fixture_dylib, tmp_path):
  metadata = METADATA.replace("jaxlib>=0.9.2,<0.13", "jaxlib>=0.4")
  code, report = run_check(make_wheel(tmp_path, fixture_dylib, metadata=metadata))
  assert code == 1
  assert "FAIL wheel METADATA: jaxlib>=0.4 differs from pyproject.toml's" in report


@needs_deps
def test_a_wrong_minimum_macos_fails(fixture_dylib, tmp_path):
  import lief

  binary = lief.MachO.parse(str(fixture_dylib)).at(0)
  offset = binary.build_version.command_offset + 12  # cmd, cmdsize, platform, then minos
  data = bytearray(fixture_dylib.read_bytes())
  assert data[offset:offset + 4] == bytes([0, 0, 14, 0])  # 14.0.0 as xxxx.yy.zz nibbles
  data[offset + 2] = 15
  patched = tmp_path / "minos15.dylib"
  patched.write_bytes(bytes(data))
  code, report = run_check(make_wheel(tmp_path / "w", patched))
  assert code == 1
  assert "FAIL plugin: minos 15.0, want 14.0 (the wheel tag macosx_14_0_arm64)" in report


@needs_deps
def test_a_build_machine_rpath_fails_and_its_library_does_not_resolve(fixture_dylib, tmp_path):
  patched = _patched(fixture_dylib, tmp_path / "abs.dylib", b"@loader_path/../../mlx/lib\0",
                     b"/work/main/.deps/mlx/lib")
  code, report = run_check(make_wheel(tmp_path / "w", patched))
  assert code == 1
  assert "FAIL plugin: load commands with a path of the build machine: LC_RPATH" in report
  assert "FAIL plugin: LC_LOAD_DYLIB @rpath/libmlx.dylib does not resolve" in report
  assert "name a Linux build path" in report


@needs_deps
def test_a_leaked_export_and_a_dynamic_lookup_fail(tmp_path):
  sloppy = _link(tmp_path / "sloppy.dylib", "-DSLOPPY", "-Wl,-undefined,dynamic_lookup")
  code, report = run_check(make_wheel(tmp_path / "w", sloppy))
  assert code == 1
  assert "hidden visibility leaked): _leaked" in report
  assert "_applejax_nowhere" in report and "not bound to a library" in report


def test_bad_usage_and_missing_inputs_exit_2(tmp_path):
  assert macho_check.main([], out=io.StringIO()) == 2
  assert macho_check.main([str(tmp_path / "absent.whl"), str(tmp_path)], out=io.StringIO()) == 2
  junk = tmp_path / WHEEL_NAME
  junk.write_bytes(b"not a zip")
  assert macho_check.main([str(junk), str(tmp_path)], out=io.StringIO()) == 2


def test_cxx_runtime_names():
  for name in ["__ZNSt3__112basic_stringIcNS_11char_traitsIcEENS_9allocatorIcEEED1Ev",
               "__ZNKSt3__16locale9use_facetERNS0_2idE", "___cxa_throw", "__Znwm", "__ZdlPvm",
               "___gxx_personality_v0", "__ZTVN10__cxxabiv117__class_type_infoE",
               "__ZTISt9exception", "__ZTIi", "__ZSt9terminatev",
               "__ZTTNSt3__119basic_ostringstreamIcNS_11char_traitsIcEENS_9allocatorIcEEEE"]:
    assert macho_check.is_cxx_runtime(name), name
  for name in ["__ZN3mlx4core4onesEv", "_malloc", "__Unwind_Resume", "_GetPjrtApi",
               "__ZTVN8applejax4pjrt5ErrorE"]:
    assert not macho_check.is_cxx_runtime(name), name


@mac_input(REAL_WHEEL.is_file(),
           f"no {REAL_WHEEL.name}: `deno task wheel --target macos-arm64` makes it"
                    " (CI always does, before this test)")
def test_the_built_macos_wheel_passes():
  code, report = run_check(REAL_WHEEL)
  assert code == 0, report


@mac_input(REAL_DYLIB.is_file(),
           f"no {REAL_DYLIB}: `deno task build --target macos-arm64` makes it"
                    " (CI always does, before this test)")
def test_the_built_macos_plugin_passes_in_a_wheel_of_the_decided_layout(tmp_path):
  code, report = run_check(make_wheel(tmp_path, REAL_DYLIB))
  assert code == 0, report


def test_a_byte_changed_after_signing_fails_the_code_signature(fixture_dylib, tmp_path):
  good = run_check(make_wheel(tmp_path / "good", fixture_dylib))
  assert "ok code signature valid: ad hoc, linker-signed" in good[1]
  lief = pytest.importorskip("lief")
  binary = lief.MachO.parse(str(fixture_dylib)).at(0)
  text = binary.get_section("__text")
  data = bytearray(fixture_dylib.read_bytes())
  data[text.offset + 4] ^= 0xFF
  changed = tmp_path / "changed.dylib"
  changed.write_bytes(bytes(data))
  code, report = run_check(make_wheel(tmp_path / "w", changed))
  assert code == 1, report
  page = (text.offset + 4) // 16384
  assert f"FAIL plugin: code signature: page {page} (file offset {page * 16384:#x})" in report
