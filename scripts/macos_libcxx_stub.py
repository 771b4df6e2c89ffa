"""Writes the link stub of the system libc++ for the macOS cross build.

Usage: macos_libcxx_stub.py <unbound plugin .dylib> <out .tbd>

There is no macOS SDK on the build machine, so nothing describes what
/usr/lib/libc++.1.dylib exports. The build first links the plugin leaving
every symbol that no given library defines to dynamic lookup (CMakeLists.txt);
this script reads that library's imports, checks that each unbound one is a
C++ runtime name (libc++ re-exports libc++abi, so __cxa_* are its too), and
writes a text stub (TAPI .tbd, version 4) naming exactly those. Linked against
the stub, each import records /usr/lib/libc++.1.dylib, as Apple's toolchain
would record it. A symbol of any other kind is a missing library, not libc++:
it fails here, naming the symbol, rather than at load time on a Mac.
"""

import pathlib
import sys

import lief

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from macho_check import is_cxx_runtime  # noqa: E402  (one definition of the C++ runtime's names)

INSTALL_NAME = "/usr/lib/libc++.1.dylib"

def unbound_imports(path: str) -> list[str]:
    lief.logging.disable()
    binary = lief.MachO.parse(path)
    if binary is None:
        raise SystemExit(f"macos_libcxx_stub: {path} is not a Mach-O file")
    image = binary.at(0)
    names = set()
    for sym in image.imported_symbols:
        bound = sym.has_binding_info and sym.binding_info.has_library
        if not bound:
            names.add(sym.name)
    return sorted(names)


def render_tbd(symbols: list[str]) -> str:
    quoted = ", ".join(f"'{s}'" for s in symbols)
    return (
        "--- !tapi-tbd\n"
        "tbd-version: 4\n"
        "targets: [ arm64-macos ]\n"
        f"install-name: '{INSTALL_NAME}'\n"
        "current-version: 1\n"
        "compatibility-version: 1\n"
        "exports:\n"
        "  - targets: [ arm64-macos ]\n"
        f"    symbols: [ {quoted} ]\n"
        "...\n"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    symbols = unbound_imports(argv[1])
    foreign = [s for s in symbols if not is_cxx_runtime(s)]
    if foreign:
        print(
            f"macos_libcxx_stub: {len(foreign)} symbol(s) the plugin needs are defined by no "
            "library it links and are not the C++ runtime's (a library is missing from the "
            "link, or code uses something libmlx/OpenBLAS/libSystem do not export):",
            file=sys.stderr,
        )
        for s in foreign:
            print(f"  {s}", file=sys.stderr)
        return 1
    with open(argv[2], "w") as f:
        f.write(render_tbd(symbols))
    print(f"macos_libcxx_stub: {len(symbols)} libc++ symbols -> {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
