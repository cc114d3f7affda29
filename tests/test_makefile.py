"""`make run` writes the address it serves into SITE_URL (e-mails, badge snippets and the QR
codes signed into certificates), unless SITE_URL is given. Read with `make -n`: nothing runs."""

import os
import re
import shutil
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# `make` runs the suite (`make test`), so it is there; no skip.
MAKE = shutil.which("make") or "make"


def dry_run(*args: str, cwd: Path = BASE_DIR, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST", "PORT")}
    result = subprocess.run(
        [MAKE, "--no-print-directory", "-n", "run", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def site_urls(output: str, command: str) -> list[str]:
    """The SITE_URL each line running `manage.py <command>` passes."""
    return [
        m.group(1)
        for line in output.splitlines()
        if f"manage.py {command}" in line
        for m in [re.search(r"SITE_URL=['\"]?([^'\"\s]+)", line)]
        if m
    ]


def test_run_passes_site_url_from_host_and_port():
    output = dry_run("PORT=8102")
    assert site_urls(output, "runserver 127.0.0.1:8102") == ["http://127.0.0.1:8102"]
    # The demo's certificates are rendered (QR code included) when it is seeded.
    assert site_urls(output, "seed_demo") == ["http://127.0.0.1:8102"]

    output = dry_run("HOST=localhost", "PORT=9000")
    assert site_urls(output, "runserver localhost:9000") == ["http://localhost:9000"]


def test_run_keeps_a_site_url_that_is_given():
    assert site_urls(dry_run("PORT=8102", SITE_URL="https://cpo.example.org"), "runserver") == [
        "https://cpo.example.org"
    ]
    assert site_urls(dry_run("SITE_URL=https://cpo.example.org"), "runserver") == [
        "https://cpo.example.org"
    ]


def test_run_keeps_the_site_url_of_the_env_file(tmp_path):
    """settings.py reads .env; make must not override what it says."""
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(BASE_DIR / name, tmp_path / name)
    (tmp_path / ".env").write_text('DEBUG=false\nSITE_URL="https://env.example.org"\n')
    assert site_urls(dry_run("PORT=8102", cwd=tmp_path), "runserver") == ["https://env.example.org"]
