"""Makes the macOS arm64 wheel from maturin's wheel of the same tree.

Usage: macos_wheel.py <maturin wheel> <plugin .dylib> <platform tag> <out dir>

maturin cannot build the macOS wheel here: its payload beside the Python
package is the `applejax-info` Rust binary, and the Rust standard library of
aarch64-apple-darwin is not installable on this machine (rustup downloads it
from static.rust-lang.org; only crates.io is reachable). So maturin builds the
host wheel, whose metadata (METADATA from pyproject.toml, entry points,
licence) is the same for every platform, and this script rewrites it:

- jax_plugins/mps/*.so, the host plugin, is replaced by the Mach-O plugin;
- the `applejax-info` binary (`*.data/scripts/`) and maturin's SBOM of its
  Rust dependencies are left out: the macOS wheel has no Rust in it;
- WHEEL gets the macOS tag, RECORD the new members' hashes.

Members keep maturin's fixed timestamps, so the same inputs give the same
bytes.
"""

import base64
import hashlib
import os
import re
import sys
import zipfile

PLUGIN_MEMBER = "jax_plugins/mps/libpjrt_plugin_mps.dylib"


def dropped(name: str) -> bool:
    return bool(
        re.fullmatch(r"[^/]+\.data/scripts/.*", name)
        or re.fullmatch(r"jax_plugins/mps/[^/]+\.(so|dylib)", name)
        or re.fullmatch(r"[^/]+\.dist-info/(RECORD|sboms/.*)", name)
    )


def record_hash(data: bytes) -> str:
    """A RECORD hash field: sha256, urlsafe base64 without padding."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def record_line(name: str, data: bytes) -> str:
    return f"{name},{record_hash(data)},{len(data)}"


def retag_wheel_file(text: str, tag: str) -> str:
    lines = [line for line in text.splitlines() if not line.startswith("Tag:")]
    lines.append(f"Tag: {tag}")
    return "\n".join(lines) + "\n"


def build(src: str, dylib: str, platform: str, out_dir: str) -> str:
    m = re.fullmatch(r"([^-]+)-([^-]+)-.*\.whl", os.path.basename(src))
    if not m:
        raise SystemExit(f"macos_wheel: {src} is not named like a wheel")
    name, version = m.groups()
    dist_info = f"{name}-{version}.dist-info"
    tag = f"py3-none-{platform}"
    out = os.path.join(out_dir, f"{name}-{version}-{tag}.whl")
    records = []
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        stamp = zin.infolist()[0].date_time

        def add(info_name: str, data: bytes, mode: int) -> None:
            info = zipfile.ZipInfo(info_name, date_time=stamp)
            info.external_attr = (mode & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
            records.append(record_line(info_name, data))

        for info in zin.infolist():
            if dropped(info.filename):
                continue
            data = zin.read(info)
            if info.filename == f"{dist_info}/WHEEL":
                data = retag_wheel_file(data.decode(), tag).encode()
            add(info.filename, data, info.external_attr >> 16 or 0o100644)
            if info.filename == "jax_plugins/mps/__init__.py":
                with open(dylib, "rb") as f:
                    add(PLUGIN_MEMBER, f.read(), 0o100755)
        if PLUGIN_MEMBER not in {r.split(",")[0] for r in records}:
            raise SystemExit(f"macos_wheel: {src} has no jax_plugins/mps/__init__.py")
        record = f"{dist_info}/RECORD"
        text = "\n".join(records + [f"{record},,"]) + "\n"
        info = zipfile.ZipInfo(record, date_time=stamp)
        info.external_attr = 0o100644 << 16
        zout.writestr(info, text, zipfile.ZIP_DEFLATED)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    print(build(argv[1], argv[2], argv[3], argv[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
