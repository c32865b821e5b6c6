# Sourced by the scripts in this folder: make sure the Debian packages they
# need are installed. As root, missing ones are installed; otherwise the
# exact apt-get line is printed and the script stops.
l4_need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      { echo "apt-get install failed" >&2; exit 1; }
  else
    echo "missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# Packages to build the kernel and run it in QEMU.
L4_BUILD_PACKAGES=(cmake make gcc gcc-multilib clang lld qemu-system-x86)
# Additionally for the test suite (gnuplot: the bench/ipc plot;
# libclang-rt-14-dev: libFuzzer and the sanitizer runtimes of Clang 14, for
# the asan and fuzz presets).
L4_TEST_PACKAGES=(libcmocka-dev lcov valgrind gnuplot-nox libclang-rt-14-dev)
# For scripts/iso (a GRUB ISO of the kernel and its modules) and for the Bochs
# tests (label bochs), which boot such ISOs in the second emulator.
L4_ISO_PACKAGES=(grub-pc-bin grub-common xorriso mtools)
# bochs-term: the headless "term" display the tests use (and no wxWidgets).
L4_BOCHS_PACKAGES=(bochs bochs-term bochsbios vgabios "${L4_ISO_PACKAGES[@]}")
