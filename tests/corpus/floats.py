"""MLIR's text for float bit patterns of every float type StableHLO has:
every pattern of the 4- to 16-bit types and a sample of f32 and f64. Written
as `TYPE HEXBITS TEXT` lines for native/tests/printer_floats_test.cc, which
checks our float printer against each. The text comes from jaxlib's own MLIR
printing dense elements built from the raw bits."""

import numpy as np

from jaxlib.mlir import ir

# MLIR type name -> (bit width, how many patterns to take; None for all)
TYPES = {
    "bf16": (16, None), "f16": (16, None), "f32": (32, 60000), "f64": (64, 40000),
    "f8E4M3FN": (8, None), "f8E5M2": (8, None), "f8E4M3FNUZ": (8, None),
    "f8E5M2FNUZ": (8, None), "f8E4M3B11FNUZ": (8, None), "f8E4M3": (8, None),
    "f8E3M4": (8, None), "f8E8M0FNU": (8, None), "f6E2M3FN": (6, None), "f6E3M2FN": (6, None),
    "f4E2M1FN": (4, None),
}

# Above this many elements MLIR prints dense data as hex, not element-wise.
CHUNK = 100


def special_patterns(width):
  """Bit patterns near every boundary: zeros, denormals, powers of two,
  integers that print without a '.', the largest values, infinities."""
  if width == 32:
    vals = [0.0, 1.0, 0.1, 16777216.0, 123456792.0, 1e-45, 3.4028235e38, 1e10, 1e-10, 0.5, 3.0,
            100.0, 1234567.0, 12345678.0, 1.17549435e-38]
    vals += [2.0 ** e for e in range(-149, 128, 3)] + [float(i) for i in range(0, 2 ** 25, 9973)]
    bits = np.array(vals, np.float32).view(np.uint32)
    return np.concatenate([bits, bits | 0x80000000, np.array([0x7F800000, 0xFF800000, 0x7FC00000,
                                                               0x7F800001, 1, 0x007FFFFF], np.uint32)])
  vals = [0.0, 1.0, 0.1, 2.0 ** 53, 1e300, 5e-324, 1e-310, 1.7976931348623157e308, 1e16, 1e17,
          123456789012345678.0, 0.3, 2.0 / 3.0]
  vals += [2.0 ** e for e in range(-1074, 1024, 7)] + [float(i) for i in range(0, 2 ** 54, 2 ** 44 + 7)]
  bits = np.array(vals, np.float64).view(np.uint64)
  return np.concatenate([bits, bits | np.uint64(0x8000000000000000),
                         np.array([0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000, 1],
                                  np.uint64)])


def patterns(width, count):
  if count is None:
    return np.arange(2 ** width, dtype=np.uint16 if width == 16 else np.uint8)
  dt = np.uint32 if width == 32 else np.uint64
  rng = np.random.default_rng(width)
  random = rng.integers(0, 2 ** width, size=count, dtype=dt)
  # Random patterns are mostly huge or tiny; add ordinary magnitudes too.
  ordinary = rng.uniform(-1000, 1000, size=count // 2).astype(np.float32 if width == 32 else np.float64)
  return np.concatenate([special_patterns(width), random, ordinary.view(dt)])


def write_float_table(path, ctx):
  lines = []
  with ctx:
    for name, (width, count) in TYPES.items():
      mlir_type = ir.Type.parse(name)
      bits = patterns(width, count)
      for start in range(0, len(bits), CHUNK):
        chunk = bits[start:start + CHUNK]
        text = str(ir.DenseElementsAttr.get(chunk, type=mlir_type))
        body = text[len("dense<"):text.rindex("> : tensor")].strip("[]")
        items = body.split(", ")
        if len(items) != len(chunk):
          raise ValueError(f"{name}: cannot split {text[:200]}")
        lines += [f"{name} {int(b):x} {t}" for b, t in zip(chunk, items)]
  with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
  return len(lines)
