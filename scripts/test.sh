#!/usr/bin/env bash
# Set up everything and run every check: ruff, mypy (strict), import-linter, pytest.
# pytest runs on KOSTACK_TEST_WORKERS xdist workers (default 2; 1 runs it in one process):
# see docs/dev/testing.md. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --all
export PATH="$PWD/.venv/bin:$PATH"
workers="${KOSTACK_TEST_WORKERS:-2}"
if ! [[ "$workers" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: KOSTACK_TEST_WORKERS='$workers' is not a number of workers (1, 2, ...)" >&2
  exit 2
fi
parallel=()
[ "$workers" -gt 1 ] && parallel=(-n "$workers" --dist loadgroup)
echo "== ruff"; ruff check src lab testkit tests benchmarks scripts; ruff format --check src lab testkit tests benchmarks scripts
echo "== mypy"; mypy
echo "== import-linter"; lint-imports
echo "== pytest"; python -m pytest "${parallel[@]}" "$@"
