#!/bin/sh
# Print the path of a Python >= 3.12 (3.13 preferred): PATH first, then pyenv.
# Exit 1 with a message saying what to install when none is found.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for name in python3.13 python3.12 python3 python; do
  p=$(command -v "$name" 2>/dev/null) || continue
  # pyenv shims for versions that are not selected fail to run; ok() filters them out.
  if ok "$p"; then
    case "$("$p" -c 'import sys; print(sys.version_info[1])')" in
      13) echo "$p"; exit 0 ;;
      *) fallback=${fallback:-$p} ;;
    esac
  fi
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for minor in 13 12 14; do
  for p in $(ls -d "$root"/versions/3."$minor".* 2>/dev/null | sort -rV); do
    if ok "$p/bin/python"; then echo "$p/bin/python"; exit 0; fi
  done
done
if [ -n "${fallback:-}" ]; then echo "$fallback"; exit 0; fi
echo "Peerway needs Python 3.12 or newer (3.13 preferred) and found none on PATH or under pyenv." >&2
echo "Install it, e.g. 'pyenv install 3.13' or your system's python3.13 package, then run make again." >&2
exit 1
