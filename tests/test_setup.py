"""`make test` sets up a fresh machine: scripts/ensure-system-packages, run against stand-ins for
dpkg-query, apt-get and id, installs what is missing as root and otherwise stops at once with
the exact command to run."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "ensure-system-packages")


def _stub(folder, name, body):
    path = folder / name
    path.write_text("#!/bin/bash\n" + body + "\n")
    path.chmod(0o755)


def _run(tmp_path, uid, installed=(), commands=(), apt=True):
    """The script on a machine with only these packages and commands; returns (code, out, apt calls)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(os.path.realpath(sys.executable), bin_dir / "python3")  # the interpreter, not a shim
    for tool in ("grep", *commands):
        os.symlink(shutil.which(tool) or f"/usr/bin/{tool}", bin_dir / tool)
    known = " ".join(installed)
    _stub(
        bin_dir,
        "dpkg-query",
        f'for p in {known}; do [ "$p" = "${{@: -1}}" ] && echo "install ok installed" && exit 0; done\n'
        "exit 1",
    )
    _stub(bin_dir, "id", f"echo {uid}")
    calls = tmp_path / "apt-calls"
    if apt:
        _stub(bin_dir, "apt-get", f'echo "$*" >> {calls}')
    done = subprocess.run(
        ["/bin/bash", SCRIPT], env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30
    )
    return (
        done.returncode,
        done.stdout + done.stderr,
        calls.read_text().splitlines() if calls.exists() else [],
    )


def test_as_root_it_installs_what_is_missing(tmp_path):
    code, out, calls = _run(tmp_path, 0, installed=["fonts-liberation"], commands=["pgrep"])
    assert code == 0, out
    assert calls[0] == "update -qq"
    packages = calls[1].split()
    assert {"chromium", "fonts-wqy-microhei", "wrk"} <= set(packages)
    assert "fonts-liberation" not in packages and "procps" not in packages  # there already


def test_as_another_user_it_stops_at_once_with_the_command(tmp_path):
    code, out, calls = _run(tmp_path, 1000, installed=["fonts-liberation"])
    assert code == 1 and calls == []
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" in out
    assert "fonts-wqy-microhei" in out and "wrk" in out and "procps" in out


def test_without_apt_get_it_says_what_is_missing(tmp_path):
    code, out, calls = _run(tmp_path, 0, apt=False)
    assert code == 1 and "chromium" in out


def test_with_everything_there_it_says_nothing(tmp_path):
    commands = ["chromium", "wrk", "pgrep"]
    if not all(shutil.which(c) for c in commands):
        pytest.fail("this machine lacks a tool make test installs: run make test once")
    code, out, calls = _run(
        tmp_path, 1000, installed=["fonts-liberation", "fonts-wqy-microhei"], commands=commands
    )
    assert (code, out, calls) == (0, "", [])


def test_make_test_checks_first_and_ci_only_calls_make_test():
    with open(os.path.join(ROOT, "Makefile")) as fh:
        makefile = fh.read()
    assert "\ntest: system-packages install\n" in makefile
    with open(os.path.join(ROOT, ".ci", "run")) as fh:
        lines = [line for line in fh.read().splitlines() if line and not line.startswith("#")]
    assert lines[-1] == "make test" and not any("apt-get" in line for line in lines)
