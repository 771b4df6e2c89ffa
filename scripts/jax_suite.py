"""Runs JAX's own upstream test suite on the applejax plugin and scores it.

    .venv/bin/python scripts/jax_suite.py --jax-src ~/src/jax [--files lax_test.py ...]
    deno task jax-suite --jax-src ~/src/jax

JAX's tests are not on PyPI: point `--jax-src` at a clone of jax-ml/jax checked out at
the tag of the installed jax (`git checkout jax-v$(python -c 'import jax;print(jax.__version__)')`).
Every test file runs in its own process with JAX_PLATFORMS=mps (the plugin is the only
backend), JAX_NUM_GENERATED_CASES cases per generated test, and a per-test time-out. A
process that crashes or hangs is restarted without the tests it already ran, so one
bad test costs one result, not a file.

The score is the peer plugins' formula:

    rate = passed / (collected - skipped - xfailed - excused)

where "excused" are failures of tests that need what no single-GPU Mac plugin has: a
second device, the cpu backend (absent when mps is the only platform), or sub-byte and
float8 dtypes. They are listed, with every skip reason and the top failure causes, so
that nothing is hidden in the number. Results go to `--out` (results.json, report.md,
one log per file); `--report-only` re-prints a finished run.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Failures that the formula counts as skips, each with the pattern that recognises it.
EXCUSES = [
    ("multi-device", re.compile(
        r"requires? (at least )?\d+ (devices|accelerators)|not enough devices|"
        r"device_count\(\) ?(>=|<|==)|Number of devices|more than one device|"
        r"needs? \d+ devices|too few devices|Mesh requires|cannot reshape array of size 1 into shape|"
        r"axis_sizes? .* devices|out of range for \d+ device", re.I)),
    ("cpu backend", re.compile(
        r"Unknown backend:? '?cpu|Backend 'cpu'|backend cpu|platform 'cpu'|"
        r"jax\.devices\(['\"]cpu|Unknown backend \"cpu\"|no cpu devices|"
        r"local_devices\(backend=['\"]cpu", re.I)),
    ("sub-byte / float8", re.compile(
        r"int4|uint4|int2|uint2|float8|float6|float4|e4m3|e5m2|e8m0|e3m4|e2m1|e4m3fn|fnuz|"
        r"\bu?i[24]\b|\bf[468]E\d")),
]

# A module the installed jax wheel does not ship (test-only helpers such as
# jax._src.hypothesis_test_util) or an optional library (torch, tensorflow).
_IMPORT_ERROR = re.compile(r"^(ImportError|ModuleNotFoundError) while importing test module|"
                           r"\b(ImportError|ModuleNotFoundError): ", re.M)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jax-src", type=Path, default=os.environ.get("JAX_SRC"),
                   help="a checkout of jax-ml/jax at the installed jax's tag (or $JAX_SRC)")
    p.add_argument("--files", nargs="*", default=None,
                   help="test files relative to tests/ (default: every *_test.py under it)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per test (60)")
    p.add_argument("--cases", type=int, default=10, help="JAX_NUM_GENERATED_CASES (10)")
    p.add_argument("--jobs", type=int, default=1, help="test files run at once (1)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "jax-suite",
                   help="results folder (build/jax-suite)")
    p.add_argument("--shards", type=int, default=1,
                   help="split each file of --shard-size bytes or more into this many "
                        "processes, by a hash of the test id, so --jobs can share it (1)")
    p.add_argument("--shard-size", type=int, default=150_000,
                   help="the file size from which --shards applies (150000)")
    p.add_argument("--python", default=sys.executable,
                   help="the Python with jax and applejax installed (this one)")
    p.add_argument("--platforms", default="mps", help="JAX_PLATFORMS for the tests (mps)")
    p.add_argument("--resume", action="store_true",
                   help="keep the results already in --out: finished files are not run "
                        "again, and an unfinished file goes on after its last reported test")
    p.add_argument("--install-deps", action="store_true",
                   help="pip-install the checkout's build/test-requirements.txt first "
                        "(except pytest itself, which stays at the project's pin)")
    p.add_argument("--report-only", action="store_true", help="re-print a finished run")
    p.add_argument("--top", type=int, default=25, help="failure causes listed (25)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- running


def checkout_tag(src):
    try:
        r = subprocess.run(["git", "-C", str(src), "describe", "--tags", "--exact-match"],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def installed_jax(python):
    r = subprocess.run([python, "-c", "import jax; print(jax.__version__)"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"jax_suite: {python} cannot import jax:\n{r.stderr}")
    return r.stdout.strip()


def install_test_deps(src, python):
    req = src / "build" / "test-requirements.txt"
    if not req.exists():
        sys.exit(f"jax_suite: {req} is missing")
    wanted = []
    for line in req.read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        name = re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0].lower()
        if spec and not name.startswith("pytest") and name not in ("auditwheel", "scipy-stubs"):
            wanted.append(spec)
    print(f"jax_suite: installing {' '.join(wanted)}", flush=True)
    r = subprocess.run([python, "-m", "pip", "install", "-q", *wanted])
    if r.returncode != 0:
        sys.exit("jax_suite: installing the test requirements failed")


def write_pytest_ini(src, work):
    """JAX's own pytest settings (warnings as errors, import mode), read from the checkout."""
    opts = {}
    pyproject = src / "pyproject.toml"
    if pyproject.exists():
        opts = tomllib.loads(pyproject.read_text()).get("tool", {}).get("pytest", {}).get(
            "ini_options", {})
    lines = ["[pytest]"]
    for key in ("markers", "filterwarnings", "doctest_optionflags"):
        values = opts.get(key, [])
        if values:
            lines.append(f"{key} =")
            lines += [f"    {v}" for v in values]
    lines.append("addopts = --import-mode=importlib -p no:cacheprovider")
    (work / "pytest.ini").write_text("\n".join(lines) + "\n")


def prepare_work(src, out):
    """A folder whose `tests` links to the checkout's, so `import jax` finds the installed
    jax and not the checkout's source tree."""
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    link = work / "tests"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to((src / "tests").resolve(), target_is_directory=True)
    conftest = src / "conftest.py"
    mine = work / "conftest.py"
    if mine.is_symlink() or mine.exists():
        mine.unlink()
    if conftest.exists():
        mine.symlink_to(conftest.resolve())
    write_pytest_ini(src, work)
    return work


def read_events(path):
    events = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # a line cut short by a crash
    return events


# Set on Ctrl-C (or `timeout -s INT`): the running files stop where they are, unscored,
# so that `--resume` goes on from their last reported test.
_STOP = threading.Event()
_RUNNING = set()


def unit_stem(rel, shard):
    stem = rel.replace("/", "__")
    return stem if shard is None else f"{stem}.shard{shard[0]}of{shard[1]}"


def run_file(rel, args, work, out, shard=None):
    """Runs one file (or one shard of it) to the end, restarting after crashes;
    returns its summary."""
    stem = unit_stem(rel, shard)
    record = out / "records" / f"{stem}.jsonl"
    seen_file = out / "records" / f"{stem}.seen"
    log = out / "logs" / f"{stem}.log"
    if args.resume and record.exists():
        # Go on from the tests this file's last, unfinished run reported.
        seen = {e["nodeid"] for e in read_events(record) if e["kind"] == "result"}
        seen_file.write_text("\n".join(sorted(seen)) + "\n")
    else:
        for f in (record, seen_file, log):
            f.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update({
        "JAX_PLATFORMS": args.platforms,
        "JAX_NUM_GENERATED_CASES": str(args.cases),
        "JAX_SUITE_RECORD": str(record),
        "JAX_SUITE_SEEN": str(seen_file),
        "JAX_SUITE_TIMEOUT": str(args.timeout),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")])),
        "PYTHONFAULTHANDLER": "1",
        "JAX_SUITE_SHARD": "" if shard is None else f"{shard[0]}/{shard[1]}",
    })
    restarts = 0
    started = time.time()
    while True:
        cmd = [args.python, "-m", "pytest", f"tests/{rel}", "-p", "jax_suite_recorder", "-q",
               "-rN", "--no-header", "-p", "no:randomly"]
        if _STOP.is_set():
            return None
        with open(log, "a") as lf:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=lf, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            _RUNNING.add(proc)
            rc = proc.wait()
            _RUNNING.discard(proc)
        if _STOP.is_set():
            return None
        events = read_events(record)
        done = {e["nodeid"] for e in events if e["kind"] == "result"}
        starts = [e for e in events if e["kind"] == "start"]
        unfinished = [e for e in starts if e["nodeid"] not in done]
        if rc in (0, 1, 2, 5) and not unfinished:
            break
        if not unfinished:
            # The process died outside any test (collection, start-up, exit).
            with open(record, "a") as f:
                f.write(json.dumps({"kind": "collect_error", "nodeid": rel,
                                    "message": f"pytest exited with status {rc} outside a test"}) + "\n")
            break
        victim = unfinished[-1]
        ran = time.time() - victim["t"]
        timed_out = ran >= args.timeout + 20
        outcome = "timeout" if timed_out else "crashed"
        why = (f"hung past the {args.timeout:g} s time-out" if timed_out
               else f"the test process died (exit status {rc})")
        with open(record, "a") as f:
            f.write(json.dumps({"kind": "result", "nodeid": victim["nodeid"], "when": "call",
                                "outcome": outcome, "message": why}) + "\n")
        seen = {e["nodeid"] for e in read_events(record) if e["kind"] == "result"}
        seen_file.write_text("\n".join(sorted(seen)) + "\n")
        restarts += 1
        if restarts > 200:
            break
    summary = summarize_file(rel, read_events(record), restarts, time.time() - started)
    summary["shard"] = None if shard is None else list(shard)
    return summary


# ---------------------------------------------------------------- scoring


def excuse_for(nodeid, message):
    text = f"{nodeid}\n{message or ''}"
    for name, pattern in EXCUSES:
        if pattern.search(text):
            return name
    return None


def summarize_file(rel, events, restarts, seconds):
    collected = max([e["count"] for e in events if e["kind"] == "collected"] or [0])
    outcomes = {}
    for e in events:
        if e["kind"] != "result" or e["outcome"] == "done":
            continue
        # The first decisive outcome of a test wins (a failed call stays failed even if
        # its teardown errs too).
        outcomes.setdefault(e["nodeid"], e)
    tests = []
    for nodeid, e in outcomes.items():
        outcome = e["outcome"]
        if outcome == "xpassed":
            outcome = "passed"
        test = {"nodeid": nodeid, "outcome": outcome, "message": e.get("message", "")}
        if outcome in ("failed", "error", "timeout", "crashed"):
            test["excuse"] = excuse_for(nodeid, test["message"])
        tests.append(test)
    # Tests collected but never reported (an exit in the middle) count as failures.
    missing = max(0, collected - len(tests))
    uncollectable = []
    for e in events:
        if e["kind"] != "collect_error":
            continue
        message = e.get("message", "")
        if _IMPORT_ERROR.search(message):
            # Never collected, so outside the formula, as with any pytest run; listed.
            uncollectable.append({"nodeid": e["nodeid"], "message": message})
            continue
        tests.append({"nodeid": e["nodeid"], "outcome": "collect_error",
                      "message": message, "excuse": None})
        collected += 1
    return {"file": rel, "collected": collected, "restarts": restarts,
            "seconds": round(seconds, 1), "unreported": missing, "tests": tests,
            "uncollectable": uncollectable}


def merge_shards(units):
    """One summary per file from the summaries of its shards."""
    merged = {}
    for u in units:
        f = merged.get(u["file"])
        if f is None:
            merged[u["file"]] = dict(u, tests=list(u["tests"]),
                                     uncollectable=list(u.get("uncollectable", [])))
            continue
        f["collected"] += u["collected"]
        f["restarts"] += u["restarts"]
        f["unreported"] += u["unreported"]
        f["seconds"] = max(f["seconds"], u["seconds"])
        f["tests"] += u["tests"]
        if not f["uncollectable"]:
            f["uncollectable"] = list(u.get("uncollectable", []))
    for f in merged.values():
        # Every shard of a file that fails to collect reports it once.
        errors = [t for t in f["tests"] if t["outcome"] == "collect_error"]
        unique = {t["nodeid"]: t for t in errors}
        f["collected"] -= len(errors) - len(unique)
        f["tests"] = [t for t in f["tests"] if t["outcome"] != "collect_error"] + list(unique.values())
    return sorted(merged.values(), key=lambda f: f["file"])


def score(files):
    total = collections.Counter()
    rows = []
    for f in files:
        c = collections.Counter()
        for t in f["tests"]:
            if t["outcome"] in ("failed", "error", "timeout", "crashed", "collect_error"):
                c["excused" if t.get("excuse") else "failed"] += 1
            else:
                c[t["outcome"]] += 1
        c["failed"] += f["unreported"]
        c["collected"] = f["collected"]
        denom = c["collected"] - c["skipped"] - c["xfailed"] - c["excused"]
        rows.append((f["file"], c, denom))
        total.update(c)
    denom = total["collected"] - total["skipped"] - total["xfailed"] - total["excused"]
    return rows, total, denom


_NORMALIZERS = [
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),
    (re.compile(r" at [^:]*?(\.py|\.cc):\d+(:\d+)?"), ""),
    (re.compile(r"jit\([^)]*\)(/[\w.\[\]]+)*"), "jit(…)"),
    (re.compile(r"(?<![\w])[-+]?\d+(\.\d+)?(e[-+]?\d+)?"), "N"),
    (re.compile(r"(N[x,] ?)+N"), "N…"),
    (re.compile(r"'[^']{40,}'"), "'…'"),
    (re.compile(r"\s+"), " "),
]


def cause_of(message):
    text = (message or "").strip()
    # Our own errors: "…: running jit_f failed: stablehlo.op at <location>: reason".
    m = re.search(r"(stablehlo|chlo|mhlo|func)\.[\w.]+ at .*?: (.*)", text, re.S)
    lines = text.splitlines()
    first = lines[0] if lines else ""
    if m:
        op = re.search(r"(stablehlo|chlo|mhlo|func)\.[\w.]+", text).group(0)
        first = f"{op}: {m.group(2).splitlines()[0]}"
    elif first.startswith("AssertionError") and len(lines) > 1:
        first = "AssertionError: " + " ".join(lines[1:3])
    for pattern, repl in _NORMALIZERS:
        first = pattern.sub(repl, first)
    return first.strip()[:180]


def report(files, meta, top):
    rows, total, denom = score(files)
    out = []
    rate = 100.0 * total["passed"] / denom if denom else 0.0
    out.append(f"# JAX upstream suite on applejax — {meta.get('date', '')}\n")
    out.append(f"jax {meta.get('jax')} tests from {meta.get('tag') or meta.get('src')}, "
               f"JAX_PLATFORMS={meta.get('platforms')}, {meta.get('cases')} generated cases, "
               f"{meta.get('timeout'):g} s per test, {meta.get('machine', '')}\n")
    out.append(f"**{rate:.2f}%** = {total['passed']} passed / ({total['collected']} collected "
               f"− {total['skipped']} skipped − {total['xfailed']} xfailed − "
               f"{total['excused']} excused); {total['failed']} failed.\n")
    out.append("| file | collected | passed | failed | skipped | xfail | excused | rate |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, c, d in sorted(rows, key=lambda r: (-r[1]["failed"], r[0])):
        r = f"{100.0 * c['passed'] / d:.1f}%" if d > 0 else "–"
        out.append(f"| {name} | {c['collected']} | {c['passed']} | {c['failed']} | "
                   f"{c['skipped']} | {c['xfailed']} | {c['excused']} | {r} |")
    causes = collections.Counter()
    example = {}
    excused = collections.Counter()
    skips = collections.Counter()
    for f in files:
        for t in f["tests"]:
            if t["outcome"] in ("failed", "error", "timeout", "crashed", "collect_error"):
                if t.get("excuse"):
                    excused[t["excuse"]] += 1
                    continue
                key = f"[{t['outcome']}] {cause_of(t['message'])}"
                causes[key] += 1
                example.setdefault(key, f"{f['file']}::{t['nodeid'].split('::', 1)[-1]}")
            elif t["outcome"] == "skipped":
                skips[cause_of(t["message"].replace("Skipped: ", ""))] += 1
        if f["unreported"]:
            causes["[unreported] the process ended before these tests reported"] += f["unreported"]
    out.append(f"\n## Top failure causes ({total['failed']} failures)\n")
    out.append("| failures | cause | example |")
    out.append("| ---: | --- | --- |")
    for key, n in causes.most_common(top):
        out.append(f"| {n} | {key.replace('|', '/')} | {example.get(key, '')} |")
    out.append(f"\n## Excused failures ({total['excused']})\n")
    for key, n in excused.most_common():
        out.append(f"- {n} {key}")
    gone = [(f["file"], u) for f in files for u in f.get("uncollectable", [])]
    out.append(f"\n## Files that cannot be imported ({len(gone)}; not collected, so outside the rate)\n")
    for name, u in gone:
        why = [ln for ln in u["message"].splitlines() if ln.startswith("E ")]
        out.append(f"- {name}: {(why[-1][1:].strip() if why else cause_of(u['message']))[:160]}")
    out.append(f"\n## Skip reasons ({total['skipped']} skips, top {top})\n")
    for key, n in skips.most_common(top):
        out.append(f"- {n} {key}")
    return "\n".join(out) + "\n"


def main(argv=None):
    args = parse_args(argv)
    out = args.out.resolve()
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    if args.report_only:
        data = json.loads(results_path.read_text())
        # Re-score from the raw records, so a report follows this script's rules.
        units = []
        for f in data["files"]:
            shard = tuple(f["shard"]) if f.get("shard") else None
            u = summarize_file(f["file"], read_events(
                out / "records" / f"{unit_stem(f['file'], shard)}.jsonl"), f["restarts"],
                f["seconds"])
            units.append(u)
        text = report(merge_shards(units), data["meta"], args.top)
        (out / "report.md").write_text(text)
        print(text)
        return 0
    if args.jax_src is None:
        sys.exit("jax_suite: give --jax-src PATH (a clone of jax-ml/jax at tag jax-v<version>)")
    src = args.jax_src.resolve()
    if not (src / "tests").is_dir():
        sys.exit(f"jax_suite: {src} has no tests/ folder")
    if args.install_deps:
        install_test_deps(src, args.python)
    version = installed_jax(args.python)
    tag = checkout_tag(src)
    if tag and tag != f"jax-v{version}":
        print(f"jax_suite: warning: the checkout is at {tag} but jax {version} is installed; "
              f"run `git -C {src} checkout jax-v{version}`", file=sys.stderr)
    work = prepare_work(src, out)
    if args.files:
        rels = [f.removeprefix("tests/") for f in args.files]
    else:
        rels = sorted(str(p.relative_to(src / "tests")) for p in (src / "tests").rglob("*_test.py"))
    def unit_key(rel, shard):
        return rel if shard is None else f"{rel}#{shard[0]}/{shard[1]}"

    units_todo = []
    for r in rels:
        if args.shards > 1 and (src / "tests" / r).stat().st_size >= args.shard_size:
            units_todo += [(r, (i, args.shards)) for i in range(args.shards)]
        else:
            units_todo.append((r, None))
    previous = {}
    if args.resume and results_path.exists():
        previous = {unit_key(f["file"], tuple(f["shard"]) if f.get("shard") else None): f
                    for f in json.loads(results_path.read_text())["files"]}
    meta = {"date": time.strftime("%Y-%m-%d"), "jax": version, "tag": tag, "src": str(src),
            "platforms": args.platforms, "cases": args.cases, "timeout": args.timeout,
            "machine": f"{os.uname().sysname} {os.uname().machine}, {os.cpu_count()} cores"}
    files = [previous[unit_key(*u)] for u in units_todo if unit_key(*u) in previous]
    todo = [u for u in units_todo if unit_key(*u) not in previous]
    # Largest files first, so that the last running file is a short one.
    todo.sort(key=lambda u: -(src / "tests" / u[0]).stat().st_size / (u[1][1] if u[1] else 1))

    def save():
        results_path.write_text(json.dumps({"meta": meta, "files": files}, indent=1))

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs))
    futures = {pool.submit(run_file, r, args, work, out, shard): r for r, shard in todo}
    try:
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            f = fut.result()
            if f is None:
                continue
            files.append(f)
            save()
            c = collections.Counter(t["outcome"] for t in f["tests"])
            part = f" shard {f['shard'][0] + 1}/{f['shard'][1]}" if f.get("shard") else ""
            print(f"[{n}/{len(todo)}] {f['file']}{part}: {f['collected']} collected, "
                  f"{c['passed']} passed, {c['failed'] + c['error']} failed, "
                  f"{c['timeout']} timeouts, {c['crashed']} crashes, {c['skipped']} skipped "
                  f"({f['seconds']:.0f} s)", flush=True)
    except KeyboardInterrupt:
        _STOP.set()
        for proc in list(_RUNNING):
            proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        save()
        print(f"jax_suite: stopped; {len(files)} of {len(units_todo)} files and shards finished, "
              f"`--resume` goes on", flush=True)
        return 130
    pool.shutdown()
    files.sort(key=lambda f: f["file"])
    save()
    text = report(merge_shards(files), meta, args.top)
    (out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
