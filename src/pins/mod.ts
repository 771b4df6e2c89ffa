/**
 * Pins: the committed lock file and the jaxlib → XLA → LLVM/StableHLO tracing.
 *
 * @module
 */

export * from "./parse.ts";
export * from "./lock.ts";
export * from "./trace.ts";
