from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT_DIR = Path(__file__).resolve().parents[2]
SERVICES = ("KAuthApp", "KSysPayment", "KSysAdmin")
SKIPPED_PARTS = {".venv", ".run", "node_modules", "frontend", "__pycache__", ".git", "target"}
# The drift test compares the duplicated models with the schema of record, so it reads all three.
CROSS_SERVICE_EXEMPT = {"KSysAdmin/tests/test_modelDrift.py"}


def pythonFiles(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*.py"):
        if not SKIPPED_PARTS.intersection(path.relative_to(ROOT_DIR).parts):
            yield path


def importedModules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def relative(path: Path) -> str:
    return path.relative_to(ROOT_DIR).as_posix()


def serviceFiles() -> list[tuple[str, Path]]:
    return [(service, path) for service in SERVICES for path in pythonFiles(ROOT_DIR / service)]


def test_noServiceImportsAnother() -> None:
    problems = []
    for service, path in serviceFiles():
        if relative(path) in CROSS_SERVICE_EXEMPT:
            continue
        for module in importedModules(path):
            root = module.split(".")[0]
            if root in SERVICES and root != service:
                problems.append(f"{relative(path)} imports {module}")
    assert problems == []


def test_domainImportsNoOuterLayer() -> None:
    problems = []
    for service in SERVICES:
        outer = (f"{service}.backend.application", f"{service}.backend.infrastructure")
        for path in pythonFiles(ROOT_DIR / service / "backend/domain"):
            problems.extend(
                f"{relative(path)} imports {module}" for module in importedModules(path) if module.startswith(outer)
            )
    assert problems == []


def test_sharedImportsNoService() -> None:
    problems = [
        f"{relative(path)} imports {module}"
        for path in pythonFiles(ROOT_DIR / "shared")
        for module in importedModules(path)
        if module.split(".")[0] in SERVICES
    ]
    assert problems == []


@pytest.mark.parametrize("folder", [*SERVICES, "shared", "tests"])
def test_namespacePackagesOnly(folder: str) -> None:
    assert [relative(path) for path in pythonFiles(ROOT_DIR / folder) if path.name == "__init__.py"] == []


# DESIGN section 2: no `Any`, in code, tests and benchmarks alike (`object` or a precise type instead).
def anyUses(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module in ("typing", "typing_extensions") \
                and any(alias.name == "Any" for alias in node.names):
            yield f"{relative(path)}:{node.lineno} imports Any"
        elif isinstance(node, ast.Attribute) and node.attr == "Any" \
                and isinstance(node.value, ast.Name) and node.value.id in ("typing", "t"):
            yield f"{relative(path)}:{node.lineno} uses typing.Any"


def test_noAnyAnnotations() -> None:
    roots = [ROOT_DIR / name for name in ("conftest.py", "public_server.py", "admin_server.py")]
    folders = [path for folder in (*SERVICES, "shared", "tests", "bench") for path in pythonFiles(ROOT_DIR / folder)]
    assert [problem for path in [*roots, *folders] for problem in anyUses(path)] == []
