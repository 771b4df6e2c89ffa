"""Lowering rules JAX needs for the `mps` platform.

JAX has no lowering for a new platform's linalg primitives; those rules (issue
6) turn them into `stablehlo.custom_call`s the plugin executes natively. Kept
as one entry point so `initialize()` stays cheap.
"""

from __future__ import annotations


def register() -> None:
  """Registers the platform's lowering rules with JAX (none needed yet)."""
