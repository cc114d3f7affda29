"""Under CI=true a skipped test fails the run, so a missing service cannot pass silently."""

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

INNER_TESTS = """
import pytest

@pytest.mark.skip(reason="Chromium is not installed")
def test_marked_skip():
    pass

@pytest.mark.skipif(True, reason="PostgreSQL is not reachable")
def test_skipif():
    pass

def test_skip_at_runtime():
    pytest.skip("pdftotext is missing")

@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure():
    assert False

def test_passes():
    pass
"""

INNER_MODULE_SKIP = """
import pytest

pytest.importorskip("a_module_that_is_not_installed_anywhere")

def test_never_collected():
    pass
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    """An inner pytest session (a subprocess) with the same plugin the suite uses."""
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    pytester.makeconftest('pytest_plugins = ["tests.ci_plugin"]')
    pytester.makepyfile(test_inner=INNER_TESTS, test_module_skip=INNER_MODULE_SKIP)

    def run():
        return pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider", "-rA")

    return run


def test_skips_fail_under_ci(inner, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = inner()

    # A skip marker acts in the setup phase, so pytest counts its failure as an error.
    result.assert_outcomes(passed=1, failed=1, errors=2, xfailed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*skipped under CI=true: Chromium is not installed*",
            "*skipped under CI=true: PostgreSQL is not reachable*",
            "*skipped under CI=true: pdftotext is missing*",
            "*skipped under CI=true: *a_module_that_is_not_installed_anywhere*",
        ],
        consecutive=False,
    )


def test_skips_stay_skips_outside_ci(inner, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = inner()

    result.assert_outcomes(passed=1, skipped=4, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
    assert "skipped under CI=true" not in result.stdout.str()


def test_only_skips_make_the_run_fail(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest('pytest_plugins = ["tests.ci_plugin"]')
    pytester.makepyfile(test_fine="def test_ok():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK


def test_a_module_skip_fails_under_ci_with_parallel_workers(pytester, monkeypatch):
    """`make test` runs the suite on pytest-xdist workers; a module skipped while a worker
    imports it still fails the run, reported by the controller."""
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest('pytest_plugins = ["tests.ci_plugin"]')
    pytester.makepyfile(test_fine="def test_ok():\n    pass\n", test_module_skip=INNER_MODULE_SKIP)
    result = pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider", "-n", "2")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*skipped under CI=true: *a_module_that_is_not_installed_anywhere*"]
    )
