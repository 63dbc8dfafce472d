#!/usr/bin/env bash
# Set up everything and run every check: ruff, mypy (strict), import-linter, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --all
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check src testkit tests benchmarks scripts; ruff format --check src testkit tests benchmarks scripts
echo "== mypy"; mypy
echo "== import-linter"; lint-imports
echo "== pytest"; python -m pytest "$@"
