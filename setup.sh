#!/usr/bin/env bash
# cbd_nb's two commands for a fresh machine:
#   bash setup.sh run    set up ./.venv, then run the main job (`cbd-nb run`: the fmnist-lt-intro recipe, or digits-lt where Fashion-MNIST cannot be had)
#   bash setup.sh test   set up ./.venv, then run every test; the last line reads "N passed, N failed"
# (`bash setup.sh setup` only sets up.)
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-run}
case "$mode" in run|test|setup) ;; *) echo "usage: bash setup.sh [run|test|setup]" >&2; exit 2;; esac

say() { echo "[setup] $*" >&2; }

# pip, quiet on success; on failure the log (less the noise of local index folders) and exit
pipq() {
  local log; log=$(mktemp)
  if ! .venv/bin/python -m pip install --disable-pip-version-check "$@" >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2; rm -f "$log"; say "pip install $* failed"; exit 1
  fi
  rm -f "$log"
}

setup() {
  local py=""
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then py=$c; break; fi
  done
  [ -n "$py" ] || { say "Python 3.10 or newer (3.11 recommended) is needed"; exit 1; }
  [ -x .venv/bin/python ] || { say "creating .venv with $py"; "$py" -m venv .venv; }
  if ! .venv/bin/python -c 'import torch, torchvision, sys; sys.exit(torch.__version__.split("+")[0] != "2.14.1")' 2>/dev/null; then
    # the CUDA build of torch with its libraries takes 5.6 GB in .venv, the rest of the kit 0.6 GB more
    local free_mb; free_mb=$(df -Pm . | awk 'NR==2{print $4}')
    if [ -n "$free_mb" ] && [ "$free_mb" -lt 6500 ]; then
      say "only $free_mb MB free on the disk of $PWD; the set-up needs about 6,500 MB (torch's CUDA build alone is 5.6 GB)."
      say "free some space (old clones and their .venv folders, pip's cache: pip cache purge) or clone onto a larger disk, then run this again"
      exit 1
    fi
    say "installing torch 2.14.1 and torchvision 0.29.1 (a few minutes the first time)"
    pipq --no-compile "torch==2.14.1" "torchvision==0.29.1"   # compiled below, on every core
  fi
  say "installing cbd_nb with its development tools"
  pipq --no-compile -e ".[dev]"
  # byte-compile everything once, on every core (pip would do it on one): where PYTHONDONTWRITEBYTECODE is set, nothing
  # is ever cached, and every process that imports torch would compile it again (7 s instead of 4.6 s here)
  .venv/bin/python -m compileall -q -j 0 .venv/lib/python3*/site-packages cbd_nb >/dev/null 2>&1 || true
  if ! .venv/bin/python -c 'import sys; from cbd_nb.datasets import fmnist_dir; sys.exit(fmnist_dir() is None)'; then
    if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
      local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
      say "installing Debian's dataset-fashion-mnist"
      { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist; } >/dev/null 2>&1 \
        || say "could not install dataset-fashion-mnist; Fashion-MNIST steps will say what to do"
    else
      say "Fashion-MNIST files not found and apt-get is not usable: copy the four idx files to \$CBD_DATA/fashion-mnist"
    fi
  fi
}

# run a command; count it as one passed check when git's state is the same before and after
check_git_unchanged() {
  local name=$1; shift
  if ! git rev-parse --git-dir >/dev/null 2>&1; then say "$name: not a git checkout, skipped"; return; fi
  local before after
  before=$(git status --porcelain; git diff)
  "$@" >/dev/null 2>&1 || true
  after=$(git status --porcelain; git diff)
  if [ "$before" == "$after" ]; then passed=$((passed+1)); echo "ok: $name leaves git unchanged"
  else failed=$((failed+1)); echo "FAILED: $name changed files:"; git status --porcelain; fi
}

# Chromium for the browser tests (Playwright drives Debian's build; nothing downloads a browser of its own)
install_chromium() {
  [ -x /usr/bin/chromium ] && return
  if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
    say "installing Debian's chromium for the browser tests"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >/dev/null 2>&1 \
      || say "could not install chromium: the browser tests will be skipped"
  else say "chromium missing and apt-get not usable: the browser tests will be skipped"; fi
}

run_tests() {
  export PATH="$PWD/.venv/bin:$PATH"
  install_chromium
  [ -x /usr/bin/chromium ] && export CBD_REQUIRE_BROWSER=1
  passed=0; failed=0
  check_git_unchanged nbdev-clean nbdev-clean
  check_git_unchanged nbdev-export nbdev-export

  local flags=""
  python -c 'import sys, torch; sys.exit(not torch.cuda.is_available())' && flags="cuda"
  local log; log=$(mktemp)
  local t0=$SECONDS

  # Run All in JupyterLab is timed, so the browser tests run alone but for nbdev-test, which takes the CPU time they leave
  # idle (a tutorial waits on its kernel, the kernel on Chromium): one notebook at a time, in a session of its own whose
  # scheduling group has the lowest priority (autogroup nice 19: a plain `nice` counts only within one session, and Jupyter
  # starts each kernel in a session of its own). Measured here, Run All of tutorial 04 took 6 % longer beside it.
  # With a browser, the tutorials are run by the browser tests (errors and time checked), so nbdev-test leaves them out.
  local skip='^[_.]'; [ -n "${CBD_REQUIRE_BROWSER:-}" ] && skip='^([_.]|tutorials$)'
  local nbs; nbs=$(find nbs \( -name '.*' -o -name '_*' \) -prune -o -name '*.ipynb' -print | { if [ -n "${CBD_REQUIRE_BROWSER:-}" ]; then grep -v '^nbs/tutorials/'; else cat; fi; } | wc -l)
  say "nbdev-test: $nbs notebooks, beside the browser tests"
  OMP_NUM_THREADS=1 setsid -w bash -c 'echo 19 > /proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"' lowest \
    nbdev-test --n-workers 1 --skip-folder-re "$skip" ${flags:+--flags "$flags"} >"$log" 2>&1 &
  local npid=$!
  say "pytest: browser tests"
  python -m pytest -q -p no:cacheprovider --junitxml="$log.browser.xml" tests/test_browser.py || true
  # the other tests on two workers with one torch thread each (two 2-thread pools on two cores would fight)
  say "pytest: the other tests, on two workers"
  OMP_NUM_THREADS=1 python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --junitxml="$log.xml" --ignore=tests/test_browser.py tests || true
  wait "$npid" || true
  say "nbdev-test"
  cat "$log"
  local nbfail; nbfail=$(awk '/Tests Failed On The Following Notebooks/{f=1; next} f && /^\t/{n++} END{print n+0}' "$log")
  grep -q "^Success" "$log" || [ "$nbfail" -gt 0 ] || nbfail=$nbs   # crashed before reporting
  echo "notebooks: $((nbs-nbfail)) passed, $nbfail failed"
  passed=$((passed+nbs-nbfail)); failed=$((failed+nbfail))

  read -r pp pf < <(python - "$log.browser.xml" "$log.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
p = f = 0
for path in sys.argv[1:]:
    try: r = ET.parse(path).getroot()
    except Exception: f += 1; continue   # a pytest that crashed before writing its report counts as one failure
    for s in ([r] if r.tag == 'testsuite' else r.findall('testsuite')):
        n, fl, e, sk = (int(s.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped'))
        p, f = p + n - fl - e - sk, f + fl + e
print(p, f)
PY
)
  echo "pytest: $pp passed, $pf failed (with the notebooks: $((SECONDS-t0)) s)"
  passed=$((passed+pp)); failed=$((failed+pf))
  rm -f "$log" "$log.xml" "$log.browser.xml"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

setup
case "$mode" in
  run) exec .venv/bin/cbd-nb run "${@:2}" ;;
  test) run_tests ;;
esac
