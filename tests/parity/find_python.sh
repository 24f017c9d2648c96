# Sourced by the parity scripts.
#
# find_python "MODULES": prints the first interpreter ($PYTHON
# first, then python3, /usr/bin/python3, python) that can `import MODULES`, or nothing.
find_python() {
  local cand
  for cand in ${PYTHON:-} python3 /usr/bin/python3 python; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import $1" >/dev/null 2>&1; then
      echo "$cand"
      return
    fi
  done
}

# netshape_path ARG ROOT: the netshape binary a script was given (default build/netshape), a
# relative path taken from the repository root when it is not found from here.
netshape_path() {
  local path="${1:-build/netshape}"
  case "$path" in
    /*) ;;
    *) [ -e "$path" ] || path="$2/$path" ;;
  esac
  echo "$path"
}

# require_python LABEL "MODULES": sets PY to find_python's interpreter, or prints that LABEL is
# skipped and exits the calling script with 0 (a machine without PyTorch skips the parity checks).
require_python() {
  PY="$(find_python "$2")"
  if [ -z "$PY" ]; then
    echo "$1: no python that can import $2; skipping"
    exit 0
  fi
}

# require_binary LABEL PATH: exits the calling script with 1 when PATH is not an executable.
require_binary() {
  if [ ! -x "$2" ]; then
    echo "$1: no netshape binary at $2"
    exit 1
  fi
}
