#!/usr/bin/env bash
# Installs what fsearch needs from Debian's packages; idempotent. Runs apt-get update only when a
# package is missing. Run as root (or with sudo) on Debian 12. Extra arguments are more packages
# (scripts/fuzz.sh asks for clang this way).
set -euo pipefail

packages=(
  build-essential cmake ninja-build git pkg-config
  ccache                # rebuilds after a change or a fresh clone reuse earlier compilations
  libtorch-dev          # LibTorch (CPU)
  libopenblas0-pthread  # optimized BLAS for LibTorch: ~5x faster training than the reference BLAS
  libcli11-dev libyaml-cpp-dev libfmt-dev libsqlite3-dev nlohmann-json3-dev
  libboost-dev libboost-filesystem-dev  # Boost.Process (needs Boost.Filesystem with Boost 1.74)
  libgtest-dev zlib1g-dev
  gnuplot-nox           # figures in reports
  sqlite3               # scripts/snapshot-results.sh: consistent snapshots of live result databases
  dataset-fashion-mnist # the default data set, /usr/share/datasets/fashion-mnist
  slurm-wlm munge       # the Slurm backend's tests run a one-node Slurm (scripts/slurm-cluster.sh)
)

packages+=("$@")
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  sudo=sudo
else
  sudo=
fi
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
