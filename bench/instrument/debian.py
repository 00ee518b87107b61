"""Programs from Debian's packages: found where installed, installed where missing and allowed
(as root, with apt-get), for the tools the project drives (wrk, Chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess


def program(name: str, package: str, *, install: bool = True) -> str | None:
    """The path of program ``name``; when it is missing and we are root with apt-get, Debian's
    ``package`` is installed first. None when it is not there and cannot be."""
    found = shutil.which(name)
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which(name)
