#!/usr/bin/env bash
# Rewrites tests/reports/golden/*.md from the report code as it is now. Review the diff before
# committing: a golden changes only when the report's layout was meant to change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
FSEARCH_UPDATE_GOLDENS=1 "${FSEARCH_BUILD_DIR:-build}/tests/test_reports" --gtest_filter='Reports.EveryTableMatchesItsGolden'
git status --short tests/reports/golden
