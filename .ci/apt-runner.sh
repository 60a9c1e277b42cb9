# Sourced by the best-effort install scripts (.ci/install-*.sh): decides how apt-get may run here.
# apt_runner NAME sets the array `run` to the command prefix (empty as root, `sudo -n` with a password-less sudo) and
# returns 0; otherwise it calls the caller's `note` with why NAME cannot be installed and returns 1. Never a prompt that
# would hang CI.
apt_runner() {
  if ! command -v apt-get >/dev/null 2>&1; then
    note "apt-get not available (not a Debian/Ubuntu machine)"
    return 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    run=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo -n)
  else
    note "not root and no password-less sudo: cannot install $1"
    return 1
  fi
}
