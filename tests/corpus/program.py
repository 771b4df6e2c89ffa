"""The record every corpus program is, and helpers to build many of them."""

import dataclasses
from typing import Callable, Optional

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass
class Program:
  name: str
  fn: Optional[Callable] = None
  args: tuple = ()
  note: str = ""
  x64: bool = False  # lower with 64-bit types enabled
  # Produces StableHLO text itself (an export, a hand-written module) instead
  # of lowering fn.
  text: Optional[Callable[[], str]] = None


def spec(shape, dtype=jnp.float32):
  """An abstract argument: lowering needs only shapes and dtypes."""
  return jax.ShapeDtypeStruct(tuple(shape), jnp.dtype(dtype))


def prog(name, fn, *args, note="", x64=False):
  return Program(name=name, fn=fn, args=args, note=note, x64=x64)


# Short names used in program names.
DTYPE_NAMES = {
    "float32": "f32", "bfloat16": "bf16", "float16": "f16", "float64": "f64",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "bool": "bool", "complex64": "c64", "complex128": "c128",
    "float8_e4m3fn": "f8e4m3fn", "float8_e5m2": "f8e5m2", "int4": "i4", "uint4": "u4",
}


def dname(dtype):
  return DTYPE_NAMES[jnp.dtype(dtype).name]


def needs_x64(*dtypes):
  return any(jnp.dtype(d).itemsize == 8 and jnp.dtype(d).kind != "c" or
             jnp.dtype(d) == jnp.complex128 for d in dtypes)


def rng(seed=0):
  return np.random.default_rng(seed)

