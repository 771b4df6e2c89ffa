"""Checks the macOS arm64 wheel and the Mach-O plugin in it, without a Mac.

Nothing here runs the plugin: it installs the wheel beside the unpacked macOS
dependency wheels (the layout pip makes on a Mac) and reads the Mach-O files
with lief, as dyld would resolve them.

Usage: macho_check.py WHEEL DEPS_SITE_PACKAGES [--lock FILE] [--pyproject FILE]
  WHEEL               dist/applejax-0.1.0-py3-none-macosx_14_0_arm64.whl
  DEPS_SITE_PACKAGES  .deps/macos-arm64/site-packages (mlx, mlx-metal, scipy-openblas32)
Exit: 0 every check passed, 1 a check failed (the report names it), 2 bad
usage or a missing/unreadable input.
"""

from __future__ import annotations

import csv
import email.parser
import io
import json
import os
import re
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plugin_image  # noqa: E402  (the shared attributes reader beside this file)
import macho_signature  # noqa: E402
import macos_wheel  # noqa: E402  (the wheel's RECORD format, as written)

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_MEMBER = "jax_plugins/mps/libpjrt_plugin_mps.dylib"
WHEEL_PLATFORM = "macosx_14_0_arm64"
WHEEL_TAG = f"py3-none-{WHEEL_PLATFORM}"
MIN_MACOS = (14, 0)
# GetPjrtApi is what jax looks up; the Python shim's callbacks.py looks up
# ApplejaxSetHostCallbackHandler. Everything else is hidden at build time.
REQUIRED_EXPORTS = {"_GetPjrtApi", "_ApplejaxSetHostCallbackHandler"}
LINKER_EXPORTS = {"__mh_dylib_header", "___dso_handle"}
SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")
LIBCXX = "/usr/lib/libc++.1.dylib"
# Substrings that only a path of the Linux build machine would contain.
BUILD_PATH_MARKERS = ("/work/", "/tmp/", "/home/", "/root/", "/usr/lib/x86_64-linux-gnu",
                      "/usr/include/", ".venv", "site-packages", "build-macos-arm64", ".deps/")
SCANNED_SECTIONS = {"__cstring", "__const", "__data", "__oslogstring", "__ustring"}
# Requirements not satisfied from DEPS: jaxlib has macOS arm64 wheels on PyPI
# and jax is pure Python; their range is checked against pyproject.toml.
PYPI_ONLY = {"jax", "jaxlib"}
DARWIN_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# dyld's special bind ordinals (mach-o/loader.h): not a library of ours.
FLAT_LOOKUP, WEAK_LOOKUP = -2, -3
DYNAMIC_LOOKUP_ORDINAL = 0xFE
ARM64_SUBTYPES = {0: "arm64", 1: "arm64v8"}

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
  """A missing or unreadable input: exit 2, not a failed check."""


class Report:
  """The readable report, plus the failures that decide the exit code."""

  def __init__(self, out=sys.stdout):
    self.out = out
    self.failures: list[str] = []

  def section(self, title: str) -> None:
    print(f"\n== {title}", file=self.out)

  def info(self, line: str) -> None:
    print(f"   {line}", file=self.out)

  def ok(self, line: str) -> None:
    print(f"ok {line}", file=self.out)

  def fail(self, line: str) -> None:
    self.failures.append(line)
    print(f"FAIL {line}", file=self.out)

  def fail_listing(self, subject: str, what: str, items: list[str], shown: int) -> None:
    """One failure naming how many `items` there are and the first `shown`."""
    self.fail(f"{subject}: {len(items)} {what}: " + "; ".join(items[:shown])
              + (" ..." if len(items) > shown else ""))


def _lief():
  import lief

  lief.logging.disable()
  return lief


def normalize(name: str) -> str:
  return re.sub(r"[-_.]+", "-", name).lower()


# ----------------------------------------------------------------- Mach-O --


def load_macho(path: Path, report: Report, label: str):
  """The arm64 dylib slice of path, or None after reporting why not."""
  lief = _lief()
  if not lief.is_macho(str(path)):
    report.fail(f"{label}: not a Mach-O file ({path})")
    return None
  fat = lief.MachO.parse(str(path))
  if fat is None or fat.size == 0:
    report.fail(f"{label}: lief cannot parse {path}")
    return None
  arches = [str(fat.at(i).header.cpu_type).split(".")[-1] for i in range(fat.size)]
  binary = fat.at(0)
  if fat.size != 1 or binary.header.cpu_type != lief.MachO.Header.CPU_TYPE.ARM64:
    report.fail(f"{label}: architectures {arches}; the wheel is arm64 only (no fat binary)")
  subtype = binary.header.cpu_subtype & 0xFFFFFF
  if subtype not in ARM64_SUBTYPES:
    report.fail(f"{label}: cpu subtype {subtype} (arm64e?) cannot load into an arm64 Python")
  if binary.header.file_type != lief.MachO.Header.FILE_TYPE.DYLIB:
    report.fail(f"{label}: file type {binary.header.file_type}, want MH_DYLIB")
  return binary


def minos(binary) -> tuple[int, int] | None:
  """LC_BUILD_VERSION's minimum macOS (major, minor), None when absent."""
  lief = _lief()
  if not binary.has_build_version:
    return None
  bv = binary.build_version
  if bv.platform != lief.MachO.BuildVersion.PLATFORMS.MACOS:
    return None
  return (bv.minos[0], bv.minos[1])


def check_minos(binary, report: Report, libmlx_minos: tuple[int, int] | None) -> None:
  got = minos(binary)
  if got is None:
    report.fail("plugin: no LC_BUILD_VERSION for macOS (built for another platform, or with"
                " an old LC_VERSION_MIN); build with -target aarch64-macos.14.0")
    return
  report.info(f"minimum macOS (LC_BUILD_VERSION minos): {got[0]}.{got[1]},"
              f" sdk {'.'.join(map(str, binary.build_version.sdk[:2]))}")
  if got != MIN_MACOS:
    report.fail(f"plugin: minos {got[0]}.{got[1]}, want {MIN_MACOS[0]}.{MIN_MACOS[1]}"
                f" (the wheel tag {WHEEL_PLATFORM})")
  else:
    report.ok(f"minos {got[0]}.{got[1]} matches the wheel tag {WHEEL_PLATFORM}")
  if libmlx_minos is not None:
    if got < libmlx_minos:
      report.fail(f"plugin: minos {got} is below libmlx.dylib's {libmlx_minos}: it would"
                  " claim to load where libmlx cannot")
    else:
      report.ok(f"minos not below libmlx.dylib's {libmlx_minos[0]}.{libmlx_minos[1]}")


def check_install_name(binary, report: Report) -> None:
  lief = _lief()
  ids = [c for c in binary.commands if c.command == lief.MachO.LoadCommand.TYPE.ID_DYLIB]
  if len(ids) != 1:
    report.fail(f"plugin: {len(ids)} LC_ID_DYLIB commands, want 1")
    return
  name = ids[0].name
  report.info(f"install name: {name}")
  if name.startswith("/"):
    report.fail(f"plugin: install name {name!r} is an absolute path of the build machine;"
                " link with -install_name @rpath/libpjrt_plugin_mps.dylib")
  elif os.path.basename(name) != os.path.basename(PLUGIN_MEMBER):
    report.fail(f"plugin: install name {name!r} does not name {os.path.basename(PLUGIN_MEMBER)}")
  else:
    report.ok("install name is relative")


def exported_names(binary) -> list[str]:
  return sorted({s.name for s in binary.exported_symbols})


def check_exports(binary, report: Report) -> None:
  names = exported_names(binary)
  report.info(f"exports ({len(names)}): {', '.join(names[:12])}"
              f"{' ...' if len(names) > 12 else ''}")
  missing = sorted(REQUIRED_EXPORTS - set(names))
  if missing:
    report.fail(f"plugin: does not export {missing}")
  extra = [n for n in names if n not in REQUIRED_EXPORTS | LINKER_EXPORTS]
  if extra:
    report.fail(f"plugin: exports {len(extra)} symbols beyond {sorted(REQUIRED_EXPORTS)}"
                f" (hidden visibility leaked): {', '.join(extra[:10])}"
                f"{' ...' if len(extra) > 10 else ''}")
  if not missing and not extra:
    report.ok(f"exports exactly {sorted(REQUIRED_EXPORTS)} and linker-made symbols")


def dylib_commands(binary):
  """(load command kind, path) of every dylib the image loads (not its own id)."""
  lief = _lief()
  out = []
  for c in binary.commands:
    if isinstance(c, lief.MachO.DylibCommand) and c.command != lief.MachO.LoadCommand.TYPE.ID_DYLIB:
      out.append((str(c.command).split(".")[-1], c.name))
  return out


def rpaths(binary) -> list[str]:
  lief = _lief()
  return [c.path for c in binary.commands if c.command == lief.MachO.LoadCommand.TYPE.RPATH]


def is_system(path: str) -> bool:
  return path.startswith(SYSTEM_PREFIXES)


def check_own_paths(binary, report: Report) -> None:
  """Our load commands hold no path of the build machine."""
  bad = []
  for rp in rpaths(binary):
    if not rp.startswith("@loader_path"):
      bad.append(f"LC_RPATH {rp!r}")
  for kind, name in dylib_commands(binary):
    if not (is_system(name) or name.startswith(("@rpath/", "@loader_path/"))):
      bad.append(f"LC_{kind} {name!r}")
  if bad:
    report.fail(f"plugin: load commands with a path of the build machine: {'; '.join(bad)}"
                " (use @rpath names and @loader_path-relative LC_RPATHs)")
  else:
    report.ok("load commands: system libraries, @rpath names, @loader_path rpaths only")


def _inside(path: str, root: str) -> bool:
  return path == root or path.startswith(root + os.sep)


def resolve(name: str, loader_dir: str, rpath_stack: list[tuple[str, str]], root: str):
  """Where dyld finds `name`: (path, how) or (None, why not)."""
  if is_system(name):
    return name, "system library"
  if name.startswith("@loader_path/"):
    candidate = os.path.normpath(os.path.join(loader_dir, name[len("@loader_path/"):]))
    if _inside(candidate, root) and os.path.isfile(candidate):
      return candidate, "@loader_path"
    return None, f"@loader_path gives {candidate}, absent"
  if name.startswith("@rpath/"):
    tried = []
    for rp, owner in rpath_stack:
      candidate = os.path.normpath(os.path.join(rp, name[len("@rpath/"):]))
      tried.append(candidate)
      if _inside(candidate, root) and os.path.isfile(candidate):
        return candidate, f"LC_RPATH of {owner}"
    return None, f"no LC_RPATH finds it (tried {tried or 'none'})"
  return None, "an absolute path outside the system libraries"


def _expand_rpaths(binary, loader_dir: str, root: str, label: str, report: Report):
  out = []
  for rp in rpaths(binary):
    if rp.startswith("@loader_path"):
      expanded = os.path.normpath(loader_dir + rp[len("@loader_path"):])
    elif rp.startswith("@executable_path"):
      report.info(f"{label}: LC_RPATH {rp} depends on the Python executable; not followed")
      continue
    else:
      expanded = rp
    if not _inside(expanded, root):
      report.info(f"{label}: LC_RPATH {rp} points outside the installed layout"
                  " (reported, not followed)")
      continue
    out.append((expanded, label))
  return out


def check_dependencies(plugin_path: Path, root: Path, report: Report, binary=None) -> dict:
  """Resolves every dylib the plugin loads, and theirs, inside root.

  dyld searches an @rpath name through the LC_RPATHs of the image that loads
  it and then of each image above it, so a dependency's search includes ours.
  Returns {installed path: lief binary} of the non-system libraries found.
  """
  root_s = os.path.normpath(str(root))
  found: dict[str, object] = {}
  top = binary if binary is not None else load_macho(plugin_path, report, "plugin")
  if top is None:
    return found
  queue = [(os.path.normpath(str(plugin_path)), top, [], "plugin")]
  while queue:
    path, image, parent_rpaths, label = queue.pop(0)
    loader_dir = os.path.dirname(path)
    stack = _expand_rpaths(image, loader_dir, root_s, label, report) + parent_rpaths
    for kind, name in dylib_commands(image):
      resolved, how = resolve(name, loader_dir, stack, root_s)
      how = how.replace(root_s + os.sep, "<site-packages>/")
      shown = os.path.relpath(resolved, root_s) if resolved and not is_system(resolved) else resolved
      if resolved is None:
        if kind == "LOAD_WEAK_DYLIB":
          report.info(f"{label}: LC_{kind} {name}: not found ({how}); weak, dyld skips it")
        else:
          report.fail(f"{label}: LC_{kind} {name} does not resolve: {how}")
        continue
      report.info(f"{label}: LC_{kind} {name} -> {shown} ({how})")
      if is_system(resolved) or resolved in found:
        continue
      dep = load_macho(Path(resolved), report, os.path.relpath(resolved, root_s))
      if dep is not None:
        found[resolved] = dep
        queue.append((resolved, dep, stack, os.path.basename(resolved)))
  return found


def _strings_around(data: bytes, hit: int) -> str:
  start = data.rfind(b"\0", 0, hit) + 1
  end = data.find(b"\0", hit)
  end = len(data) if end < 0 else end
  return data[start:min(end, start + 160)].decode("utf-8", "replace")


def check_build_paths(binary, report: Report) -> None:
  """No string in our data names a path of the Linux build machine."""
  hits = []
  for sec in binary.sections:
    if sec.name not in SCANNED_SECTIONS:
      continue
    data = bytes(sec.content)
    for marker in BUILD_PATH_MARKERS:
      for m in re.finditer(re.escape(marker.encode()), data):
        hits.append(f"{sec.segment_name},{sec.name}+{m.start():#x}: "
                    f"{_strings_around(data, m.start())!r}")
  for cmd_path in rpaths(binary) + [n for _, n in dylib_commands(binary)]:
    if any(marker in cmd_path for marker in BUILD_PATH_MARKERS):
      hits.append(f"load command: {cmd_path!r}")
  hits = sorted(set(hits))
  if hits:
    report.fail_listing("plugin", "strings name a Linux build path", hits, 8)
  else:
    report.ok(f"no build-machine path in {', '.join(sorted(SCANNED_SECTIONS))} or load commands")


def is_cxx_runtime(name: str) -> bool:
  """Whether a (Mach-O, underscore-prefixed) name belongs to libc++/libc++abi."""
  n = name[1:] if name.startswith("_") else name
  if n.startswith(("__cxa_", "__gxx_personality", "__dynamic_cast")):
    return True
  if re.match(r"_ZN[KVRO]*St", n) or n.startswith("_ZSt"):
    return True  # std:: (libc++'s std::__1 included)
  if re.match(r"_Z(nw|na|dl|da)", n):
    return True  # operator new / delete
  # typeinfo, its name, vtables, VTTs and construction vtables: of std::, of
  # __cxxabiv1::, of fundamental types.
  return bool(re.match(r"_ZT[IVSTC](N?St|N10__cxxabiv1|P?K?[a-z]|P?K?D[a-z])", n))


def imports_from(binary, library: str) -> set[str]:
  return {b.symbol.name for b in binary.bindings
          if b.has_symbol and b.has_library and b.library.name == library}


def check_libcxx(binary, libmlx, report: Report) -> None:
  ours = imports_from(binary, LIBCXX)
  wrong = sorted(n for n in ours if not is_cxx_runtime(n))
  if wrong:
    report.fail(f"plugin: {len(wrong)} symbols bound to {LIBCXX} are not C++ runtime names: "
                f"{', '.join(wrong[:10])}")
  else:
    report.ok(f"{len(ours)} symbols bound to {LIBCXX}, all C++ runtime names")
  if libmlx is None:
    return
  # libmlx binds operator new/delete by weak lookup (no library ordinal):
  # they exist at load time all the same, in libc++abi behind libc++.
  theirs = imports_from(libmlx, LIBCXX) | {
      b.symbol.name for b in libmlx.bindings
      if b.has_symbol and b.library_ordinal == WEAK_LOOKUP and is_cxx_runtime(b.symbol.name)}
  shared = ours & theirs
  report.info(f"{len(shared)} of them libmlx.dylib (Apple's toolchain, macOS 14) imports too")
  only_ours = sorted(ours - theirs)
  if only_ours:
    report.info(f"{len(only_ours)} not imported by libmlx (exist in macOS 14's libc++? not"
                " proven here):")
    for n in only_ours:
      report.info(f"  {n}")


def check_bindings(binary, report: Report) -> None:
  """Every import is bound to one of our libraries by two-level ordinal."""
  lief = _lief()
  problems = []
  if lief.MachO.Header.FLAGS.TWOLEVEL not in binary.header.flags_list:
    problems.append("MH_TWOLEVEL is not set (flat namespace: every import is looked up"
                    " in every image)")
  libraries = len(dylib_commands(binary))
  weak = 0
  for b in binary.bindings:
    name = b.symbol.name if b.has_symbol else "?"
    if getattr(b, "binding_class", None) == lief.MachO.DyldBindingInfo.CLASS.WEAK:
      weak += 1  # classic weak-bind: coalescing of a weak definition, not an import
      continue
    if b.library_ordinal == FLAT_LOOKUP:
      problems.append(f"{name} flat lookup")
    elif b.library_ordinal == WEAK_LOOKUP:
      problems.append(f"{name} weak lookup")
    elif not 1 <= b.library_ordinal <= libraries:
      problems.append(f"{name} ordinal {b.library_ordinal}")
  for s in binary.symbols:
    if s.category == lief.MachO.Symbol.CATEGORY.UNDEFINED:
      ordinal = (s.description >> 8) & 0xFF
      if ordinal == DYNAMIC_LOOKUP_ORDINAL:
        problems.append(f"{s.name} dynamic lookup (-undefined dynamic_lookup)")
      elif not 1 <= ordinal <= libraries and s.name != "dyld_stub_binder":
        problems.append(f"{s.name} undefined with library ordinal {ordinal}")
  problems = sorted(set(problems))
  if problems:
    report.fail_listing("plugin", "imports not bound to a library", problems, 10)
  else:
    report.ok("every import bound to a library ordinal (two-level namespace)"
              + (f"; {weak} weak-definition coalescing binds" if weak else ""))


def expected_attributes(lock: dict) -> list:
  s = lock["stablehlo"]
  return [
      plugin_image.NamedValue("stablehlo_current_version", "int64_list",
                              [int(p) for p in s["plugin_current"].split(".")]),
      plugin_image.NamedValue("stablehlo_minimum_version", "int64_list",
                              [int(p) for p in s["plugin_minimum"].split(".")]),
  ]


def check_attributes(path: Path, lock: dict, report: Report) -> None:
  try:
    got = plugin_image.static_attributes(path)
  except plugin_image.PluginImageError as e:
    report.fail(f"plugin attributes: {e}")
    return
  want = expected_attributes(lock)
  for v in got:
    report.info(f"attribute {v.name} ({v.type}) = {v.value}")
  if got != want:
    report.fail(f"plugin attributes differ from the lock's stablehlo range: got "
                f"{[v.as_json() for v in got]}, want {[v.as_json() for v in want]}")
  else:
    report.ok("attributes table (read from the file) equals the lock's stablehlo range")


def check_signature(path: Path, binary, report: Report) -> None:
  if not binary.has_code_signature:
    report.fail("plugin: no code signature: Apple silicon does not load unsigned arm64 code")
    return
  sig = binary.code_signature
  try:
    found = macho_signature.verify(path.read_bytes(), sig.data_offset, sig.data_size)
  except macho_signature.SignatureError as e:
    report.fail(f"plugin: code signature: {e}")
    return
  report.ok(f"code signature valid: {found.describe()}")


def check_plugin(plugin_path: Path, root: Path, lock: dict, report: Report) -> None:
  """All Mach-O checks of the installed plugin, its dependencies resolved in root."""
  report.section(f"plugin {os.path.relpath(plugin_path, root)}"
                 f" ({plugin_path.stat().st_size} bytes)")
  binary = load_macho(plugin_path, report, "plugin")
  if binary is None:
    return
  check_install_name(binary, report)
  check_exports(binary, report)
  check_own_paths(binary, report)
  check_build_paths(binary, report)
  check_bindings(binary, report)
  report.section("dependencies (as lief reads them, and how each resolves)")
  found = check_dependencies(plugin_path, root, report, binary)
  libmlx = next((b for p, b in found.items() if os.path.basename(p) == "libmlx.dylib"), None)
  if libmlx is None:
    report.fail("plugin: libmlx.dylib is not among the resolved dependencies")
  report.section("minimum macOS")
  check_minos(binary, report, minos(libmlx) if libmlx is not None else None)
  for p, dep in found.items():
    dep_minos = minos(dep)
    if dep_minos is not None and dep_minos > MIN_MACOS:
      report.fail(f"{os.path.basename(p)}: minos {dep_minos} above the wheel's {MIN_MACOS}")
  report.section("C++ runtime imports")
  check_libcxx(binary, libmlx, report)
  report.section("plugin attributes")
  check_attributes(plugin_path, lock, report)
  report.section("code signature")
  check_signature(plugin_path, binary, report)


# ------------------------------------------------------------------ wheel --


def check_record(wheel: zipfile.ZipFile, dist_info: str, report: Report) -> None:
  record_name = f"{dist_info}/RECORD"
  members = {i.filename for i in wheel.infolist() if not i.is_dir()}
  if record_name not in members:
    report.fail(f"wheel: no {record_name}")
    return
  rows = list(csv.reader(io.StringIO(wheel.read(record_name).decode())))
  listed = {}
  for row in rows:
    if row:
      listed[row[0]] = row
  bad = []
  for name in sorted(members):
    if name == record_name or name.endswith((".jws", ".p7s")) and name.startswith(dist_info):
      continue
    row = listed.get(name)
    if row is None:
      bad.append(f"{name} not in RECORD")
      continue
    data = wheel.read(name)
    if len(row) < 3 or row[1] != macos_wheel.record_hash(data) or row[2] != str(len(data)):
      bad.append(f"{name}: RECORD says {row[1:3]}, member is {[macos_wheel.record_hash(data), len(data)]}")
  for name in sorted(set(listed) - members - {record_name}):
    bad.append(f"{name} in RECORD but not in the wheel")
  if bad:
    report.fail("wheel RECORD: " + "; ".join(bad))
  else:
    report.ok(f"RECORD: {len(members) - 1} members, hashes and sizes match")


def _dist_info(wheel: zipfile.ZipFile) -> str | None:
  dirs = {n.split("/")[0] for n in wheel.namelist() if n.split("/")[0].endswith(".dist-info")}
  return dirs.pop() if len(dirs) == 1 else None


def darwin_environments(requires_python: str | None) -> list[dict]:
  from packaging.markers import default_environment
  from packaging.specifiers import SpecifierSet

  allowed = SpecifierSet(requires_python or "")
  envs = []
  for py in DARWIN_PYTHONS:
    if allowed.contains(py + ".0"):
      env = default_environment()
      env.update(sys_platform="darwin", platform_system="Darwin", platform_machine="arm64",
                 os_name="posix", python_version=py, python_full_version=py + ".0",
                 implementation_name="cpython", platform_python_implementation="CPython",
                 platform_release="23.0.0", extra="")
      envs.append(env)
  return envs


def applies(requirement, envs: list[dict]) -> bool:
  return requirement.marker is None or any(requirement.marker.evaluate(e) for e in envs)


def installed_dists(site: Path) -> dict[str, dict]:
  """Name -> {version, requires, tags} of every dist-info in a site-packages."""
  out = {}
  for d in sorted(site.glob("*.dist-info")):
    meta_file = d / "METADATA"
    if not meta_file.is_file():
      continue
    meta = email.parser.Parser().parsestr(meta_file.read_text(errors="replace"))
    wheel_file = d / "WHEEL"
    tags = []
    if wheel_file.is_file():
      tags = email.parser.Parser().parsestr(wheel_file.read_text()).get_all("Tag") or []
    out[normalize(meta["Name"])] = {"version": meta["Version"],
                                    "requires": meta.get_all("Requires-Dist") or [],
                                    "tags": tags}
  return out


def _macos_tag_ok(tag: str) -> bool:
  m = re.search(r"macosx_(\d+)_(\d+)_(arm64|universal2)$", tag)
  return bool(m) and (int(m.group(1)), int(m.group(2))) <= MIN_MACOS


def check_metadata(metadata: str, deps: dict[str, dict], pyproject: dict, lock: dict,
                   report: Report) -> None:
  from packaging.requirements import InvalidRequirement, Requirement

  meta = email.parser.Parser().parsestr(metadata)
  envs = darwin_environments(meta.get("Requires-Python"))
  report.info(f"Requires-Python {meta.get('Requires-Python')!r}; markers evaluated for macOS"
              f" arm64, Python {', '.join(e['python_version'] for e in envs)}")
  try:
    requires = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    declared = {normalize(Requirement(r).name): Requirement(r)
                for r in pyproject["project"]["dependencies"]}
  except InvalidRequirement as e:
    report.fail(f"wheel METADATA: unparsable requirement: {e}")
    return
  on_darwin = [r for r in requires if applies(r, envs)]
  for r in requires:
    report.info(f"Requires-Dist: {r}{'' if r in on_darwin else '   (not on macOS)'}")
  names = {normalize(r.name): r for r in on_darwin}
  pins = {normalize(p["name"]): p["version"] for p in lock["python"]["packages"]}
  for name in sorted(PYPI_ONLY):
    r, want = names.get(name), declared.get(name)
    if r is None:
      report.fail(f"wheel METADATA: no {name} requirement on macOS")
    elif want is None or r.specifier != want.specifier:
      report.fail(f"wheel METADATA: {r} differs from pyproject.toml's"
                  f" {want if want else 'nothing'}")
    elif name in pins and not r.specifier.contains(pins[name]):
      report.fail(f"wheel METADATA: {r} excludes the pinned {name} {pins[name]}")
    else:
      report.ok(f"{r} is the declared range (pinned {pins.get(name)} inside it)")
  # Everything else: pinned in the lock for macOS (a pin marked for Linux
  # alone means a marker is missing), and where DEPS holds its macOS wheel,
  # met by it; followed through DEPS's METADATA (mlx brings mlx-metal).
  lock_pins = {normalize(p["name"]): p for p in lock["python"]["packages"]}
  pending = [(r, "applejax") for n, r in names.items() if n not in PYPI_ONLY]
  seen = set()
  while pending:
    r, by = pending.pop(0)
    name = normalize(r.name)
    if name in seen:
      continue
    seen.add(name)
    pin = lock_pins.get(name)
    if by == "applejax":
      if pin is None:
        report.fail(f"wheel METADATA: {r} applies on macOS but is not pinned in the lock")
        continue
      if "darwin" not in pin.get("platforms", ["darwin"]):
        report.fail(f"wheel METADATA: {r} applies on macOS but the lock pins {name} for"
                    f" {pin['platforms']} only: a Linux-only dependency without a marker")
        continue
      if not r.specifier.contains(pin["version"], prereleases=True):
        report.fail(f"wheel METADATA: {r} excludes the pinned {name} {pin['version']}")
        continue
    dist = deps.get(name)
    if dist is None:
      report.info(f"{r} (required by {by}): not in DEPS; pip fetches it, its macOS wheel is"
                  " not checked here")
      continue
    if not r.specifier.contains(dist["version"], prereleases=True):
      report.fail(f"{r} (required by {by}) is not met by DEPS's {name} {dist['version']}")
      continue
    platform_tags = [t for t in dist["tags"] if not t.endswith("-any")]
    if platform_tags and not all(_macos_tag_ok(t) for t in platform_tags):
      report.fail(f"{name} {dist['version']} in DEPS is tagged {platform_tags}, not a macOS"
                  f" arm64 wheel installable on macOS {MIN_MACOS[0]}.{MIN_MACOS[1]}")
      continue
    report.ok(f"{r} (required by {by}) -> DEPS {name} {dist['version']} {dist['tags']}")
    for sub in dist["requires"]:
      try:
        sr = Requirement(sub)
      except InvalidRequirement:
        continue
      if applies(sr, envs):
        pending.append((sr, name))
  for name in ("mlx", "mlx-metal"):
    if name not in seen:
      report.fail(f"wheel METADATA: {name} is not required on macOS (directly, or through"
                  " the METADATA of an mlx wheel in DEPS)")


def check_wheel_files(wheel_path: Path, wheel: zipfile.ZipFile, dist_info: str,
                      report: Report) -> None:
  parts = wheel_path.name[:-len(".whl")].split("-")
  file_tag = "-".join(parts[-3:]) if len(parts) >= 5 else None
  if file_tag != WHEEL_TAG:
    report.fail(f"wheel file name tag {file_tag!r}, want {WHEEL_TAG!r}")
  meta = email.parser.Parser().parsestr(wheel.read(f"{dist_info}/WHEEL").decode())
  tags = meta.get_all("Tag") or []
  if tags != [WHEEL_TAG]:
    report.fail(f"WHEEL Tag {tags}, want [{WHEEL_TAG!r}]")
  else:
    report.ok(f"WHEEL Tag {WHEEL_TAG}, Root-Is-Purelib {meta.get('Root-Is-Purelib')}")
  names = wheel.namelist()
  for member in (PLUGIN_MEMBER, "jax_plugins/mps/__init__.py"):
    if member not in names:
      report.fail(f"wheel: no {member}")
  # jax finds the plugin through this entry point (pyproject.toml).
  entry_points = f"{dist_info}/entry_points.txt"
  text = wheel.read(entry_points).decode() if entry_points in names else ""
  if not re.search(r"^\[jax_plugins\]\s*$[^\[]*^mps\s*=\s*jax_plugins\.mps\s*$", text, re.M):
    report.fail(f"wheel: {entry_points} lacks the jax_plugins entry point mps = jax_plugins.mps")
  else:
    report.ok("entry point [jax_plugins] mps = jax_plugins.mps")
  elf = [n for n in names if not n.endswith("/") and wheel.read(n)[:4] == b"\x7fELF"]
  if elf:
    report.fail(f"wheel: Linux ELF files in a macOS wheel: {elf}")
  for n in names:
    if n.split("/")[0].endswith(".data"):
      report.info(f"wheel: {n} installs outside site-packages; not checked here")


def install_layout(wheel: zipfile.ZipFile, deps: Path, target: Path, report: Report) -> None:
  """target becomes site-packages as pip leaves it: DEPS's entries (linked, not
  copied: libmlx and its metallib are large) plus the wheel's members."""
  target.mkdir(parents=True, exist_ok=True)
  for entry in deps.iterdir():
    (target / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
  for info in wheel.infolist():
    name = info.filename
    top = name.split("/")[0]
    if top.endswith(".data") or info.is_dir():
      continue
    if name.startswith("/") or ".." in Path(name).parts:
      raise UsageError(f"wheel member {name!r} escapes site-packages")
    if (deps / top).exists() and not top.endswith(".dist-info"):
      report.fail(f"wheel: {top} would overwrite a dependency's {top}")
      continue
    out = target / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(wheel.read(info))


def check(wheel_path: Path, deps: Path, lock: dict, pyproject: dict, report: Report) -> None:
  if not zipfile.is_zipfile(wheel_path):
    raise UsageError(f"{wheel_path} is not a wheel (zip)")
  report.section(f"wheel {wheel_path.name} ({wheel_path.stat().st_size} bytes)")
  with zipfile.ZipFile(wheel_path) as wheel:
    dist_info = _dist_info(wheel)
    if dist_info is None:
      report.fail("wheel: not exactly one .dist-info directory")
      return
    check_wheel_files(wheel_path, wheel, dist_info, report)
    check_record(wheel, dist_info, report)
    report.section("metadata (for macOS arm64)")
    check_metadata(wheel.read(f"{dist_info}/METADATA").decode(), installed_dists(deps),
                   pyproject, lock, report)
    with tempfile.TemporaryDirectory(prefix="macho_check.") as tmp:
      site = Path(tmp) / "site-packages"
      install_layout(wheel, deps, site, report)
      plugin = site / PLUGIN_MEMBER
      if plugin.is_file():
        check_plugin(plugin, site, lock, report)


def main(argv: list[str], out=sys.stdout) -> int:
  args, options = [], {"--lock": ROOT / "applejax.lock.json",
                        "--pyproject": ROOT / "pyproject.toml"}
  it = iter(argv)
  for a in it:
    if a in options:
      value = next(it, None)
      if value is None:
        print(f"macho_check: {a} needs a file", file=sys.stderr)
        return EXIT_USAGE
      options[a] = Path(value)
    else:
      args.append(a)
  if len(args) != 2:
    print(__doc__.split("\n\n")[2], file=sys.stderr)
    return EXIT_USAGE
  wheel_path, deps = Path(args[0]), Path(args[1])
  try:
    missing = [str(p) for p in (wheel_path, options["--lock"], options["--pyproject"])
               if not p.is_file()]
    if not deps.is_dir():
      missing.append(str(deps))
    if missing:
      raise UsageError(f"missing input: {', '.join(missing)} (the wheel comes from `deno task"
                       " wheel --target macos-arm64`, DEPS from `deno task setup-deps --target"
                       " macos-arm64`)")
    lock = json.loads(options["--lock"].read_text())
    pyproject = tomllib.loads(options["--pyproject"].read_text())
    report = Report(out)
    check(wheel_path, deps, lock, pyproject, report)
  except UsageError as e:
    print(f"macho_check: {e}", file=sys.stderr)
    return EXIT_USAGE
  except ImportError as e:
    print(f"macho_check: {e.name} is not installed in this Python (it is pinned in .venv:"
          " run `deno task setup-deps`)", file=sys.stderr)
    return EXIT_USAGE
  if report.failures:
    print(f"\nmacho_check: {len(report.failures)} check(s) failed", file=out)
    return EXIT_FAILED
  print("\nmacho_check: all checks passed", file=out)
  return EXIT_OK


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
