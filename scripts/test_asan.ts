/**
 * `deno task test-asan`
 *
 * The whole pytest suite (not the stratified subset `deno task test` runs)
 * against gcc's ASan+UBSan build of the plugin in `build-asan/`, which it
 * builds first (`deno task build --sanitize`). About 15 minutes.
 *
 * @module
 */

import { build } from "./build.ts";
import { seconds } from "./common.ts";
import { asanPytest, GCC_SANITIZED } from "./test.ts";

async function main(): Promise<number> {
  const start = performance.now();
  const code = await build({ sanitize: true });
  if (code !== 0) return code;
  const r = await asanPytest(GCC_SANITIZED, 1);
  console.log(`asan pytest: ${r.status} in ${seconds(performance.now() - start)}; ${r.note}`);
  return r.status === "ok" ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
