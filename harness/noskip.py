"""A pytest hook that turns every skipped test into a failure; a conftest imports it by name:
    from harness.noskip import pytest_runtest_makereport  # noqa: F401
"""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test fails the run: a test that does not run checks nothing, and a
    fresh machine is exactly where a missing tool would make one skip (scripts/deps installs
    every tool these tests use)."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped:
        rep.outcome = "failed"
        rep.longrepr = f"skipped, which make test does not allow: {rep.longrepr}"
