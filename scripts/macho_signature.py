"""Verifies a Mach-O file's embedded code signature without a Mac.

On Apple silicon the kernel refuses to map code whose pages do not match the
hashes of its code signature (the process dies with SIGKILL, "Code Signature
Invalid"), and unsigned arm64 code does not load at all. zig's linker signs
what it links ad hoc, as Apple's does; this reads that signature (a SuperBlob
holding a CodeDirectory, both big-endian) and recomputes every page hash, so a
wheel whose plugin was changed after linking, or never signed, fails here.

Facts used (Apple's published code-signing format): SuperBlob magic
0xfade0cc0, CodeDirectory magic 0xfade0c02 and slot type 0, page size
2^pageSize, hash type 1 = SHA-1 and 2 = SHA-256, flags 0x2 ad hoc and
0x20000 linker-signed.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

SUPERBLOB_MAGIC = 0xFADE0CC0
CODEDIRECTORY_MAGIC = 0xFADE0C02
CODEDIRECTORY_SLOT = 0
FLAG_ADHOC = 0x2
FLAG_LINKER_SIGNED = 0x20000
HASHES = {1: "sha1", 2: "sha256"}


class SignatureError(Exception):
  pass


@dataclass
class Signature:
  identifier: str
  flags: int
  hash_name: str
  page_size: int
  pages: int
  code_limit: int

  def describe(self) -> str:
    kinds = [n for bit, n in ((FLAG_ADHOC, "ad hoc"), (FLAG_LINKER_SIGNED, "linker-signed"))
             if self.flags & bit]
    return (f"{', '.join(kinds) or f'flags {self.flags:#x}'}, identifier {self.identifier!r},"
            f" {self.pages} pages of {self.page_size} bytes hashed with {self.hash_name}")


def _code_directory(blob: bytes) -> bytes:
  magic, length, count = struct.unpack_from(">III", blob, 0)
  if magic != SUPERBLOB_MAGIC:
    raise SignatureError(f"signature does not start with a SuperBlob (magic {magic:#x})")
  if length > len(blob):
    raise SignatureError(f"SuperBlob claims {length} bytes; the load command gives {len(blob)}")
  for i in range(count):
    slot, offset = struct.unpack_from(">II", blob, 12 + 8 * i)
    if slot == CODEDIRECTORY_SLOT:
      if offset + 8 > length:
        raise SignatureError("CodeDirectory offset lies outside the signature")
      magic, cd_length = struct.unpack_from(">II", blob, offset)
      if magic != CODEDIRECTORY_MAGIC:
        raise SignatureError(f"slot 0 is not a CodeDirectory (magic {magic:#x})")
      return blob[offset:offset + cd_length]
  raise SignatureError("the SuperBlob has no CodeDirectory")


def verify(data: bytes, sig_offset: int, sig_size: int) -> Signature:
  """Checks the signature at data[sig_offset:+sig_size] against data's pages.

  Raises SignatureError naming the first problem (a page whose hash differs
  gives its index and file offset).
  """
  if sig_offset + sig_size > len(data):
    raise SignatureError("LC_CODE_SIGNATURE points past the end of the file")
  cd = _code_directory(data[sig_offset:sig_offset + sig_size])
  (_, _, _version, flags, hash_offset, ident_offset, _special, code_slots, code_limit,
   hash_size, hash_type, _platform, page_log2) = struct.unpack_from(">IIIIIIIIIBBBB", cd, 0)
  name = HASHES.get(hash_type)
  if name is None:
    raise SignatureError(f"unknown hash type {hash_type}")
  if hashlib.new(name).digest_size != hash_size:
    raise SignatureError(f"hash size {hash_size} does not fit {name}")
  if code_limit != sig_offset:
    raise SignatureError(f"the signature covers {code_limit} bytes; the code ends at {sig_offset}"
                         " (bytes were added or cut after signing)")
  page = 1 << page_log2
  if code_slots != (code_limit + page - 1) // page:
    raise SignatureError(f"{code_slots} page hashes for {code_limit} bytes of {page}-byte pages")
  for i in range(code_slots):
    start = i * page
    want = cd[hash_offset + i * hash_size:hash_offset + (i + 1) * hash_size]
    got = hashlib.new(name, data[start:min(start + page, code_limit)]).digest()
    if got != want:
      raise SignatureError(f"page {i} (file offset {start:#x}) does not match its hash: the file"
                           " changed after it was signed, and macOS would kill the process")
  identifier = cd[ident_offset:cd.index(b"\0", ident_offset)].decode(errors="replace")
  return Signature(identifier, flags, name, page, code_slots, code_limit)
