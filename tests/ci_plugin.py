"""Under CI=true a skipped test is a failed test.

A skip that hides a missing dependency (PostgreSQL, Redis, Chromium, pdftotext) must not
let CI pass silently. Test-level skips become failures with the reason
"skipped under CI=true: <reason>". A module that skips while being imported stays a
skipped collection (turning it into a collection error would stop the whole run), but is
listed at the end with the same reason and makes the exit status non-zero.

Free of Django, so tests/test_ci_skips.py can load it into an inner pytest session.
"""

import os

import pytest

_skipped_modules = pytest.StashKey[list[tuple[str, str]]]()


def ci_forbids_skips() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _reason(longrepr: object) -> str:
    # A skip's longrepr is (path, lineno, "Skipped: reason").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and ci_forbids_skips():
        report.longrepr = f"skipped under CI=true: {_reason(report.longrepr)}"
        report.outcome = "failed"


_configs: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    _configs.append(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    _configs.remove(config)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # Called in a plain run and, under pytest-xdist, in the controller for every skipped
    # or failed collection of a worker, so the summary and the exit status see it there.
    if report.skipped and ci_forbids_skips() and _configs:
        skipped = _configs[-1].stash.setdefault(_skipped_modules, [])
        if (report.nodeid, _reason(report.longrepr)) not in skipped:
            skipped.append((report.nodeid, _reason(report.longrepr)))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for nodeid, reason in config.stash.get(_skipped_modules, []):
        terminalreporter.write_line(f"FAILED {nodeid} - skipped under CI=true: {reason}", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.stash.get(_skipped_modules, []) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
