/**
 * applejax — Deno side: pins and lock handling (`src/pins`).
 *
 * @module
 */

export * from "./src/pins/mod.ts";
