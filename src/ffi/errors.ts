/**
 * PJRT errors as typed exceptions.
 *
 * Every PJRT_Error that reaches TypeScript becomes a {@link PjrtError}; the
 * codes a caller can act on get their own subclass, so that
 * `catch (e) { if (e instanceof UnimplementedError) ... }` reads as the
 * intent. The native error object is always freed before the throw.
 *
 * @module
 */

/** PJRT_Error_Code names, by value (the absl status codes). */
export const ERROR_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The name of a PJRT_Error_Code, e.g. "INVALID_ARGUMENT". */
export type ErrorCodeName = typeof ERROR_CODES[number];

/** An error a PJRT call returned; the native error object is already freed. */
export class PjrtError extends Error {
  /** PJRT_Error_Code value. */
  readonly code: number;
  /** The PJRT function that failed, e.g. "PJRT_Client_Compile". */
  readonly fn: string;
  /** The plugin's own message, without the function and code prefix. */
  readonly pjrtMessage: string;

  /**
   * Builds the error; prefer {@link PjrtError.from}, which picks the subclass.
   *
   * @param fn the PJRT function that failed
   * @param code PJRT_Error_Code value
   * @param message the plugin's message
   */
  constructor(fn: string, code: number, message: string) {
    super(`${fn}: ${ERROR_CODES[code] ?? `code ${code}`}: ${message}`);
    this.name = new.target.name;
    this.fn = fn;
    this.code = code;
    this.pjrtMessage = message;
  }

  /** The code's name, e.g. "INVALID_ARGUMENT" (or "code N" for codes past the list). */
  get codeName(): ErrorCodeName | `code ${number}` {
    return ERROR_CODES[this.code] ?? `code ${this.code}`;
  }

  /**
   * The exception for a PJRT error: the subclass for its code when there is
   * one, else a plain PjrtError.
   *
   * @param fn the PJRT function that failed
   * @param code PJRT_Error_Code value
   * @param message the plugin's message
   * @returns the error, ready to throw
   */
  static from(fn: string, code: number, message: string): PjrtError {
    const Kind = SUBCLASS_BY_CODE.get(code) ?? PjrtError;
    return new Kind(fn, code, message);
  }
}

/** INVALID_ARGUMENT: the call's input is wrong (a bad artifact, a mismatched argument). */
export class InvalidArgumentError extends PjrtError {}
/** NOT_FOUND: a looked-up device or memory does not exist. */
export class NotFoundError extends PjrtError {}
/** RESOURCE_EXHAUSTED: the device ran out of memory. */
export class ResourceExhaustedError extends PjrtError {}
/** FAILED_PRECONDITION: the object is in the wrong state (e.g. a deleted buffer). */
export class FailedPreconditionError extends PjrtError {}
/** UNIMPLEMENTED: the plugin does not support this function, op or dtype yet. */
export class UnimplementedError extends PjrtError {}
/** INTERNAL: the plugin failed while running (an execution error surfaces here). */
export class InternalError extends PjrtError {}

const SUBCLASS_BY_CODE = new Map<number, typeof PjrtError>([
  [3, InvalidArgumentError],
  [5, NotFoundError],
  [8, ResourceExhaustedError],
  [9, FailedPreconditionError],
  [12, UnimplementedError],
  [13, InternalError],
]);
