"""Tests of the load-test tools: unit tests of their parsing, sampling and reporting, and one
short end-to-end run against a booted Toril.  The repository root goes on sys.path so the tests
import the tools' packages (loadtest, harness) as the commands do."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.noskip import pytest_runtest_makereport  # noqa: E402,F401  (a skip fails)
