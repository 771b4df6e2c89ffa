/**
 * PJRT errors as exceptions.
 *
 * @module
 */

/** PJRT_Error_Code names, by value (absl status codes). */
export const ERROR_CODES: readonly string[] = [
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
];

/** An error a PJRT call returned; the native error object is already freed. */
export class PjrtError extends Error {
  /** PJRT_Error_Code value. */
  readonly code: number;
  /** The PJRT function that failed. */
  readonly fn: string;

  /**
   * @param fn the PJRT function that failed
   * @param code PJRT_Error_Code value
   * @param message the plugin's message
   */
  constructor(fn: string, code: number, message: string) {
    super(`${fn}: ${ERROR_CODES[code] ?? `code ${code}`}: ${message}`);
    this.name = "PjrtError";
    this.fn = fn;
    this.code = code;
  }

  /** The code's name, e.g. "INVALID_ARGUMENT". */
  get codeName(): string {
    return ERROR_CODES[this.code] ?? `code ${this.code}`;
  }
}
