#!/usr/bin/env bash
# The applejax self-test for a person with an Apple-silicon Mac: installs the
# macOS wheel (built on Linux, never run on a Mac by us) into a fresh venv, runs
# the op suite and the demo on the Metal GPU, and writes a report to paste into
# an issue. Run `scripts/macos_selftest.sh --help` for the options.
#
# Written for macOS's bash 3.2 and BSD tools as well as Linux's: no GNU-only
# flags, no `timeout`, `nproc` or `readlink -f`; the time limits and the
# report live in scripts/selftest_report.py (standard-library Python).

set -Eeuo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/macos_selftest.sh [options] [WHEEL]

Installs an applejax wheel into a fresh virtual environment, prints what the
plugin reports about the GPU, runs the op suite (tests/python) and the demo
(examples/demo.py) from this checkout, and writes a markdown report to attach
to an issue. Run it from anywhere inside a checkout of the applejax repository
whose commit matches the wheel.

WHEEL defaults to the newest dist/applejax-*macosx*_arm64.whl of the checkout.

Options:
  --python PATH       Python >= 3.11 to create the venv with (default: python3)
  --venv DIR          create the venv in DIR, which must not exist yet
                      (default: inside the results directory; removed at the
                      end unless --keep-venv)
  --keep-venv         keep the venv afterwards
  --results DIR       where logs and the report go (default: a new
                      applejax-selftest.* directory under $TMPDIR or /tmp)
  --quick             run a few suite files only (a minute or two), not the
                      whole suite (tens of minutes)
  --jobs N            pytest-xdist workers (default: the number of CPU cores;
                      0 runs the suite in one process)
  --suite-limit S     stop the suite after S seconds (default 5400)
  --demo-steps N      training steps of the demo (default: the demo's own, 300)
  --demo-limit S      stop the demo after S seconds (default 1800)
  --no-demo           skip the demo
  --allow-any-host    run on a machine that is not an arm64 Mac (how the
                      project tests this script on Linux with its Linux wheel)
  -h, --help          this text

pip reads its usual environment (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_CACHE_DIR)
for mirrors or offline installs. The exit status is 0 only when every step
passed; the report says which did not.
EOF
}

# --- state ----------------------------------------------------------------------------------

# The checkout: this script's parent directory, resolved without readlink -f.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
HELPER="$REPO/scripts/selftest_report.py"
QUICK_FILES=(test_first_program.py test_version_handshake.py test_versions.py test_dot.py
  test_control_flow.py)
# Suite files that are about this repository's build, not the machine: the
# README's tables, and the Linux-side checks of the cross build, which read
# build/, build-macos-arm64/ and .deps/ and link with zig. None of those exist
# beside a downloaded wheel; loading the installed plugin is the Mac's check.
IGNORED_TESTS=(test_readme.py test_macho_check.py test_plugin_image.py)

PYTHON_BIN="python3"
VENV=""
KEEP_VENV=0
RESULTS=""
QUICK=0
JOBS=""
SUITE_LIMIT=5400
DEMO_STEPS=""
DEMO_LIMIT=1800
RUN_DEMO=1
ANY_HOST=0
WHEEL=""

MADE_VENV=0   # whether this run created $VENV (and so may remove it)
FAILED=0      # set by the first failed step
VPY=""        # the venv's python
STEP="start"  # the step under way, for the interrupt message
STARTED=$SECONDS

say() { printf '\n==> %s\n' "$*"; }
warn() { printf 'selftest: %s\n' "$*" >&2; }
die_usage() {
  warn "$*"
  warn "run with --help for the options"
  exit 2
}

# record_step NAME PASS|FAIL|SKIP SECONDS NOTE: one row of the report's table.
record_step() {
  local note="${4:-}"
  note="${note//$'\t'/ }"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${note//$'\n'/ }" >>"$RESULTS/steps.tsv"
  if [[ "$2" == FAIL ]]; then FAILED=1; fi
}

record_fact() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS/machine.tsv"; }

# stop NAME NOTE: a step that leaves nothing after it able to work.
stop() {
  record_step "$1" FAIL "$2" "$3"
  warn "$1 failed: $3"
  finish
}

finish() {
  local out="$RESULTS/report.md"
  record_fact "total time" "$((SECONDS - STARTED)) s"
  say "Report"
  if ! "${VPY:-$PYTHON_BIN}" "$HELPER" report "$RESULTS" "$out"; then
    # No Python to write it with: the raw tables are the report.
    cat "$RESULTS/machine.tsv" "$RESULTS/steps.tsv" | tee "$out"
  fi
  if [[ $MADE_VENV == 1 && $KEEP_VENV == 0 ]]; then
    rm -rf "$VENV"
  fi
  printf '\nReport: %s\n' "$out"
  if [[ $FAILED == 0 ]]; then
    printf 'All steps passed. Please attach the report to the issue tracker.\n'
    exit 0
  fi
  printf 'Some steps failed. Please attach the report (and %s) to an issue.\n' "$RESULTS"
  exit 1
}

# --- arguments ------------------------------------------------------------------------------

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -h | --help) usage; exit 0 ;;
      --python) [[ $# -ge 2 ]] || die_usage "--python needs a path"; PYTHON_BIN="$2"; shift ;;
      --venv) [[ $# -ge 2 ]] || die_usage "--venv needs a directory"; VENV="$2"; shift ;;
      --keep-venv) KEEP_VENV=1 ;;
      --results) [[ $# -ge 2 ]] || die_usage "--results needs a directory"; RESULTS="$2"; shift ;;
      --quick) QUICK=1 ;;
      --jobs) [[ $# -ge 2 ]] || die_usage "--jobs needs a number"; JOBS="$2"; shift ;;
      --suite-limit) [[ $# -ge 2 ]] || die_usage "--suite-limit needs seconds"; SUITE_LIMIT="$2"; shift ;;
      --demo-steps) [[ $# -ge 2 ]] || die_usage "--demo-steps needs a number"; DEMO_STEPS="$2"; shift ;;
      --demo-limit) [[ $# -ge 2 ]] || die_usage "--demo-limit needs seconds"; DEMO_LIMIT="$2"; shift ;;
      --no-demo) RUN_DEMO=0 ;;
      --allow-any-host) ANY_HOST=1 ;;
      --) shift; break ;;
      -*) die_usage "unknown option $1" ;;
      *) [[ -z "$WHEEL" ]] || die_usage "one wheel only (got $WHEEL and $1)"; WHEEL="$1" ;;
    esac
    shift
  done
  if [[ $# -gt 0 ]]; then
    [[ -z "$WHEEL" && $# -eq 1 ]] || die_usage "one wheel only"
    WHEEL="$1"
  fi
  local n
  for n in "$JOBS" "$SUITE_LIMIT" "$DEMO_STEPS" "$DEMO_LIMIT"; do
    [[ -z "$n" || "$n" =~ ^[0-9]+$ ]] || die_usage "expected a whole number, got '$n'"
  done
}

# --- 1. the machine -------------------------------------------------------------------------

host_sysctl() { sysctl -n "$1" 2>/dev/null || echo "unknown"; }

check_host() {
  STEP="machine"
  say "Machine"
  local t0=$SECONDS os arch version cpu memory cores
  os="$(uname -s)"
  arch="$(uname -m)"
  record_fact "system" "$os $arch"
  if [[ "$os" == Darwin ]]; then
    version="$(sw_vers -productVersion 2>/dev/null || echo unknown)"
    cpu="$(host_sysctl machdep.cpu.brand_string)"
    memory="$(host_sysctl hw.memsize)"
    cores="$(host_sysctl hw.ncpu)"
    record_fact "macOS" "$version ($(sw_vers -buildVersion 2>/dev/null || echo '?'))"
  else
    version="$(uname -r)"
    cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)"
    memory="$(awk '/^MemTotal:/ {printf "%.0f", $2 * 1024}' /proc/meminfo 2>/dev/null || true)"
    cores="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
    record_fact "kernel" "$version"
  fi
  record_fact "cpu" "${cpu:-unknown}"
  if [[ "$memory" =~ ^[0-9]+$ ]]; then
    record_fact "memory" "$((memory / 1073741824)) GiB ($memory bytes)"
  else
    record_fact "memory" "unknown"
  fi
  record_fact "cores" "$cores"
  [[ -n "$JOBS" ]] || JOBS="$cores"
  printf '%s %s, %s, %s cores\n' "$os" "$arch" "${cpu:-unknown cpu}" "$cores"

  local problem=""
  if [[ "$os" != Darwin || "$arch" != arm64 ]]; then
    problem="this is $os $arch, not an Apple-silicon Mac (Darwin arm64); the macOS wheel runs only there"
  elif [[ ! "$version" =~ ^[0-9]+ ]] || ((${version%%.*} < 14)); then
    problem="macOS $version is older than 14, the wheel's minimum (macosx_14_0)"
  fi
  if [[ -n "$problem" ]]; then
    if [[ $ANY_HOST == 0 ]]; then
      stop "machine" $((SECONDS - t0)) "$problem (--allow-any-host runs it anyway)"
    fi
    warn "$problem; going on (--allow-any-host)"
  fi

  local pyinfo
  if ! pyinfo="$("$PYTHON_BIN" -c 'import platform, sys
print(platform.python_version(), platform.machine(), sys.version_info >= (3, 11), sys.executable)' 2>&1)"; then
    stop "machine" $((SECONDS - t0)) "cannot run $PYTHON_BIN ($pyinfo); pass --python PATH to a Python 3.11 or newer"
  fi
  local py_version py_arch py_ok py_path
  read -r py_version py_arch py_ok py_path <<<"$pyinfo"
  record_fact "python" "$py_version ($py_arch) $py_path"
  if [[ "$py_ok" != True ]]; then
    stop "machine" $((SECONDS - t0)) "$PYTHON_BIN is Python $py_version; applejax needs 3.11 or newer (pass --python PATH)"
  fi
  if [[ "$os" == Darwin && "$py_arch" != arm64 && $ANY_HOST == 0 ]]; then
    stop "machine" $((SECONDS - t0)) "$PYTHON_BIN runs as $py_arch (Rosetta?); use a native arm64 Python (--python PATH)"
  fi
  record_step "machine" PASS $((SECONDS - t0)) "$os $arch, Python $py_version"
}

# --- 2. the venv and the wheel --------------------------------------------------------------

find_wheel() {
  if [[ -n "$WHEEL" ]]; then
    [[ -f "$WHEEL" ]] || stop "install" 0 "no wheel at $WHEEL"
    WHEEL="$(cd "$(dirname "$WHEEL")" && pwd -P)/$(basename "$WHEEL")"
    return
  fi
  local candidate
  for candidate in "$REPO"/dist/applejax-*macosx*_arm64.whl; do
    if [[ -f "$candidate" && (-z "$WHEEL" || "$candidate" -nt "$WHEEL") ]]; then
      WHEEL="$candidate"
    fi
  done
  [[ -n "$WHEEL" ]] || stop "install" 0 \
    "no dist/applejax-*macosx*_arm64.whl in $REPO: download the macOS wheel and pass its path"
}

install() {
  STEP="install"
  say "Installing the wheel into a fresh venv"
  local t0=$SECONDS os_key
  find_wheel
  record_fact "wheel" "$(basename "$WHEEL")"
  record_fact "wheel sha256" "$("$PYTHON_BIN" "$HELPER" sha256 "$WHEEL")"
  [[ -f "$REPO/applejax.lock.json" ]] || stop "install" 0 "$REPO has no applejax.lock.json: run the script from a checkout of the applejax repository"
  if [[ -z "$VENV" ]]; then
    VENV="$RESULTS/venv"
  elif [[ -e "$VENV" ]]; then
    stop "install" 0 "$VENV exists; pass a --venv that does not exist yet (the test needs a fresh one)"
  fi
  if ! "$PYTHON_BIN" -m venv "$VENV" >"$RESULTS/venv.log" 2>&1; then
    stop "install" $((SECONDS - t0)) "$PYTHON_BIN -m venv $VENV failed: $(tail -n 3 "$RESULTS/venv.log")"
  fi
  MADE_VENV=1
  VENV="$(cd "$VENV" && pwd -P)"
  VPY="$VENV/bin/python"

  if [[ "$(uname -s)" == Darwin ]]; then os_key=darwin; else os_key=linux; fi
  "$PYTHON_BIN" "$HELPER" requirements "$REPO/applejax.lock.json" "$os_key" >"$RESULTS/requirements.txt" \
    || stop "install" $((SECONDS - t0)) "cannot read the pins of $REPO/applejax.lock.json"
  printf 'wheel: %s\npins from applejax.lock.json (%s): %s\n' "$WHEEL" "$os_key" \
    "$(tr '\n' ' ' <"$RESULTS/requirements.txt")"
  # One resolution for the wheel and the pins together, so pip checks that the
  # wheel's own dependencies (mlx, mlx-metal, the jax range) agree with them.
  if ! "$PYTHON_BIN" "$HELPER" limit 1800 "$RESULTS/pip.log" -- \
    "$VPY" -m pip install --disable-pip-version-check --progress-bar off --no-compile \
    "$WHEEL" -r "$RESULTS/requirements.txt"; then
    stop "install" $((SECONDS - t0)) "pip install failed; its last lines: $(tail -n 4 "$RESULTS/pip.log")"
  fi
  "$VPY" -m pip freeze --disable-pip-version-check >"$RESULTS/pip-freeze.txt" 2>/dev/null || true
  record_step "install" PASS $((SECONDS - t0)) "$(basename "$WHEEL") + $(wc -l <"$RESULTS/requirements.txt" | tr -d ' ') pins"
}

# --- 3. what the plugin reports -------------------------------------------------------------

# Runs its arguments with the environment the installed wheel must see: no
# build-tree plugin, and jax's own choice of platforms.
clean_env() {
  env -u APPLEJAX_PLUGIN_PATH -u JAX_PLATFORMS -u PYTHONPATH "$@"
}

# arm64 macOS kills a process that maps native code without a valid
# signature (the cross linker signs ad hoc; editing the file afterwards breaks
# that): check before loading, so the report says why instead of "Killed: 9".
check_signature() {
  local lib out
  lib="$(cd "$RESULTS" && clean_env "$VPY" -c 'from jax_plugins import mps; print(mps.library_path())')" \
    || stop "plugin" 0 "the installed wheel has no importable jax_plugins.mps"
  [[ -f "$lib" ]] || stop "plugin" 0 "the installed wheel has no plugin library (looked for $lib)"
  if ! command -v codesign >/dev/null 2>&1; then
    record_fact "plugin signature" "not checked (no codesign on this Mac)"
    return
  fi
  if out="$(codesign --verify --verbose=2 "$lib" 2>&1)"; then
    record_fact "plugin signature" "valid ($(codesign -d --verbose=1 "$lib" 2>&1 | grep -m1 '^Signature' || echo 'ad hoc'))"
  else
    record_fact "plugin signature" "INVALID: $out"
    stop "plugin" 0 "$lib has no valid code signature, so macOS would kill the process that loads it ($out); \
\`codesign --force --sign - \"$lib\"\` re-signs it ad hoc; please report this"
  fi
}

plugin_facts() {
  STEP="plugin"
  say "What the plugin reports"
  local t0=$SECONDS
  if [[ "$(uname -s)" == Darwin ]]; then check_signature; fi
  if ! (cd "$RESULTS" && clean_env "$VPY" "$HELPER" facts "$RESULTS/plugin.json"); then
    stop "plugin" $((SECONDS - t0)) "the plugin did not load or compute; see the Plugin section"
  fi
  record_step "plugin" PASS $((SECONDS - t0)) "loaded; a first jit on mps computed the right values"
}

# --- 4. the op suite ------------------------------------------------------------------------

run_suite() {
  STEP="suite"
  say "Op suite"
  local t0=$SECONDS rc=0 args=() f
  if [[ $QUICK == 1 ]]; then
    for f in "${QUICK_FILES[@]}"; do args+=("tests/python/$f"); done
    printf -- '--quick: %s only\n' "${QUICK_FILES[*]}" >"$RESULTS/pytest.notes"
  else
    args+=(tests/python)
    for f in "${IGNORED_TESTS[@]}"; do args+=("--ignore=tests/python/$f"); done
    printf 'left out: %s (they check the README and the cross build on Linux, not this machine)\n' \
      "${IGNORED_TESTS[*]}" >"$RESULTS/pytest.notes"
  fi
  if [[ "$JOBS" != 0 ]]; then args+=(-n "$JOBS"); fi
  args+=(-q -p no:cacheprovider --junitxml="$RESULTS/pytest.xml")
  printf 'python -m pytest %s\n' "${args[*]}" >"$RESULTS/pytest.cmd"
  cat "$RESULTS/pytest.cmd"
  # The suite reads tests/, examples/ and scripts/leak_check.py of the checkout;
  # the plugin comes from the venv (conftest.py and the tests import
  # jax_plugins.mps, which only the installed wheel provides).
  (cd "$REPO" && clean_env "$PYTHON_BIN" "$HELPER" limit "$SUITE_LIMIT" "$RESULTS/pytest.log" -- \
    "$VPY" -m pytest "${args[@]}") || rc=$?
  printf '%s\n' "$rc" >"$RESULTS/pytest.rc"
  case "$rc" in
    0) record_step "suite" PASS $((SECONDS - t0)) "all selected tests passed" ;;
    124) record_step "suite" FAIL $((SECONDS - t0)) "stopped after the ${SUITE_LIMIT} s limit" ;;
    1) record_step "suite" FAIL $((SECONDS - t0)) "some tests failed" ;;
    *) record_step "suite" FAIL $((SECONDS - t0)) "pytest exited $rc (not a test failure: see pytest.log)" ;;
  esac
}

# --- 5. the demo ----------------------------------------------------------------------------

run_demo() {
  STEP="demo"
  say "Demo"
  if [[ $RUN_DEMO == 0 ]]; then
    record_step "demo" SKIP 0 "--no-demo"
    return
  fi
  local t0=$SECONDS rc=0 args=("$REPO/examples/demo.py")
  if [[ -n "$DEMO_STEPS" ]]; then args+=(--steps "$DEMO_STEPS"); fi
  printf 'JAX_PLATFORMS=mps,cpu python examples/demo.py%s\n' "${DEMO_STEPS:+ --steps $DEMO_STEPS}" \
    >"$RESULTS/demo.cmd"
  (cd "$REPO" && clean_env JAX_PLATFORMS=mps,cpu "$PYTHON_BIN" "$HELPER" limit "$DEMO_LIMIT" \
    "$RESULTS/demo.log" -- "$VPY" "${args[@]}") || rc=$?
  printf '%s\n' "$rc" >"$RESULTS/demo.rc"
  case "$rc" in
    0) record_step "demo" PASS $((SECONDS - t0)) "loss curves on mps and cpu agree" ;;
    124) record_step "demo" FAIL $((SECONDS - t0)) "stopped after the ${DEMO_LIMIT} s limit" ;;
    *) record_step "demo" FAIL $((SECONDS - t0)) "exit $rc" ;;
  esac
}

# An interrupt or a command failing where the script expects none still ends
# with the report of what ran so far.
# shellcheck disable=SC2329 # invoked by trap
on_interrupt() {
  trap - INT TERM ERR
  record_step "$STEP" FAIL 0 "interrupted by a signal"
  finish
}

# shellcheck disable=SC2329 # invoked by trap
on_error() {
  trap - INT TERM ERR
  record_step "$STEP" FAIL 0 "unexpected failure at line $1 of scripts/macos_selftest.sh (a bug: please report it)"
  finish
}

main() {
  parse_args "$@"
  if [[ -z "$RESULTS" ]]; then
    RESULTS="$(mktemp -d "${TMPDIR:-/tmp}/applejax-selftest.XXXXXX")"
  else
    mkdir -p "$RESULTS"
    RESULTS="$(cd "$RESULTS" && pwd -P)"
    rm -f "$RESULTS"/steps.tsv "$RESULTS"/machine.tsv "$RESULTS"/pytest.* "$RESULTS"/demo.* \
      "$RESULTS"/plugin.json
  fi
  trap on_interrupt INT TERM
  trap 'on_error $LINENO' ERR
  printf 'applejax self-test; logs and the report go to %s\n' "$RESULTS"
  local commit="not a git checkout"
  if [[ -d "$REPO/.git" ]]; then
    commit="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'git unavailable')"
  fi
  record_fact "checkout" "$REPO ($commit)"
  check_host
  install
  plugin_facts
  run_suite
  run_demo
  finish
}

main "$@"
