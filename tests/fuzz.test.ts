import assert from "node:assert/strict";
import { failureText, fuzzCommand, parseFuzzArgs, parseFuzzStats } from "../scripts/fuzz.ts";
import { versionsBetween } from "../scripts/jax_range.ts";
import { readLock } from "../mod.ts";

Deno.test("fuzz arguments: targets, counts, libFuzzer flags after --", () => {
  const all = parseFuzzArgs([]);
  assert.deepEqual(all.targets, ["reader", "compile"]);
  assert.equal(all.runs, 20000);
  const o = parseFuzzArgs(["compile", "--seconds=60", "--jobs=16", "--", "-dict=x"]);
  assert.deepEqual([o.targets, o.seconds, o.jobs, o.extra], [["compile"], 60, 16, ["-dict=x"]]);
  assert.throws(() => parseFuzzArgs(["--runs=0"]), /integers/);
  assert.throws(() => parseFuzzArgs(["printer"]), /unknown argument/);
  const cmd = fuzzCommand("compile", o, "/b");
  assert.equal(cmd[0], "/b/compile_fuzz");
  assert.ok(cmd.includes("-max_total_time=60") && cmd.includes("-fork=16"));
  assert.ok(cmd.includes("-ignore_ooms=0") && cmd.includes("-ignore_timeouts=0"));
  assert.ok(
    !fuzzCommand("compile", parseFuzzArgs(["compile"]), "/b").some((a) => a.startsWith("-fork")),
  );
  assert.ok(cmd.includes("-malloc_limit_mb=1024"));
  assert.equal(cmd.at(-1), "-dict=x");
});

Deno.test("fuzz stats from one process and from fork mode", () => {
  assert.deepEqual(
    parseFuzzStats(
      "Done\nstat::number_of_executed_units: 20000\nstat::average_exec_per_sec:     5000\n",
    ),
    { executions: 20000, perSecond: 5000, failures: null },
  );
  const fork =
    "#12646: cov: 1 ft: 1 corp: 5 exec/s 12646 oom/timeout/crash: 0/0/0 time: 3s job: 1\n" +
    "#11296681: cov: 18845 ft: 16465 corp: 1359 exec/s 1270 oom/timeout/crash: 1/2/8 time: 270s job: 85\n";
  assert.deepEqual(parseFuzzStats(fork), {
    executions: 11296681,
    perSecond: 1270,
    failures: { oom: 1, timeout: 2, crash: 8 },
  });
  assert.equal(parseFuzzStats("nothing"), null);
  assert.equal(failureText(parseFuzzStats(fork)), "  oom/timeout/crash 1/2/8");
  assert.equal(failureText(null), "");
});

Deno.test("older jaxlib: the minors between the announced ends", async () => {
  const lock = await readLock(new URL("../applejax.lock.json", import.meta.url).pathname);
  assert.deepEqual(versionsBetween(lock), ["1.15.0", "1.16.0"]);
});
