"""The locks in requirements/ pin what pyproject.toml asks for, with hashes, and are what is installed."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)")


def pins(name: str) -> dict[str, str]:
    """The packages and versions of one lock, after checking that each one carries its hashes."""
    text = (ROOT / "requirements" / name).read_text()
    found = {}
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{match[1]} in {name} has no hash"
            found[canonicalize_name(match[1])] = match[2]
    assert found, f"{name} pins nothing"
    return found


def wanted(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(line) for line in listed]


@pytest.mark.parametrize("lock, extra", [("app.txt", None), ("test.txt", "test")])
def test_every_dependency_in_pyproject_is_pinned_in_its_range(lock, extra):
    locked = pins(lock)
    for requirement in wanted(extra):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is in pyproject.toml but not in {lock}: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock} pins {name}=={locked[name]}, outside pyproject.toml's {requirement}: run make lock"
        )


def test_the_app_lock_takes_the_test_lock_versions():
    app, test = pins("app.txt"), pins("test.txt")
    assert {name: test.get(name) for name in app} == app


def test_the_installer_is_pinned_too():
    assert set(pins("uv.txt")) == {"uv"}


def test_what_is_installed_is_what_the_test_lock_says():
    drift = {}
    for name, version in pins("test.txt").items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            drift[name] = (version, installed)
    assert not drift, f"installed versions differ from requirements/test.txt (locked, installed): {drift}"
