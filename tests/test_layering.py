"""The package's layers, read from its imports: every module parsed, imports inside functions included.

- click only in mmn_ddx/cli/, rich only in mmn_ddx/render/, durable_rules only in the engine module;
- where the bundled data lives (mmn_ddx.resources, importlib.resources) only in library.py and
  resources.py, and the bundled library itself only through library.py;
- the command line reaches the library through api, and draws through render.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mmn_ddx"
ENGINE_MODULE = "mmn_ddx/engine.py"
DURABLE = ("durable", "durable_rules", "durable_rules_engine")
# What library.py offers that looks up the bundled data rather than taking a library.
BUNDLED_LOOKUPS = {"bundled_library"}
# What the command line may import from the package besides its own modules.
CLI_MAY_IMPORT = {"mmn_ddx", "mmn_ddx.api", "mmn_ddx.render", "mmn_ddx.errors", "mmn_ddx.safetext",
                  "mmn_ddx.yamlio"}  # the read budget one command may spend (Boundary)

# Exceptions to the layers as (module, rule), each with its reason; there are none today. An entry
# no longer needed fails `test_the_allowances_are_all_still_needed`, so the list cannot go stale.
ALLOWED: set = set()


def _modules() -> dict[str, ast.Module]:
    return {str(path.relative_to(PACKAGE.parent)): ast.parse(path.read_text(encoding="utf-8"), str(path))
            for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = _modules()


def _imports(tree: ast.Module) -> list[tuple[str, tuple[str, ...], int]]:
    """(module, names imported from it, line) for every import statement, however deeply nested."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"line {node.lineno}: relative import; the package imports absolutely"
            modules = [alias.name for alias in node.names if _is_module(f"{node.module}.{alias.name}")]
            found += [(f"{node.module}.{name}", (), node.lineno) for name in modules]  # `from mmn_ddx import quiz`
            names = tuple(alias.name for alias in node.names if alias.name not in modules)
            if names:
                found.append((node.module, names, node.lineno))
    return found


def _is_module(dotted: str) -> bool:
    """Whether a dotted name is a module of this package (`mmn_ddx.quiz`), not a name inside one."""
    if not dotted.startswith("mmn_ddx."):
        return False
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _top(module: str) -> str:
    return module.split(".")[0]


def _breaks(path: str, tree: ast.Module) -> set[tuple[str, str]]:
    """(rule, where) for every rule this module breaks."""
    out: set[tuple[str, str]] = set()
    for module, names, line in _imports(tree):
        where = f"{path}, line {line}: {module}"
        if _top(module) == "click" and not path.startswith("mmn_ddx/cli/"):
            out.add(("click", where))
        if _top(module) == "rich" and not path.startswith("mmn_ddx/render/"):
            out.add(("rich", where))
        if _top(module) in DURABLE and path != ENGINE_MODULE:
            out.add(("durable_rules", where))
        if path not in ("mmn_ddx/library.py", "mmn_ddx/resources.py"):
            if module == "mmn_ddx.resources" or module == "importlib.resources" or (
                    module == "importlib" and "resources" in names):
                out.add(("bundled data", where))
            if module == "mmn_ddx.library" and BUNDLED_LOOKUPS & set(names):
                out.add(("bundled data", f"{where} {sorted(BUNDLED_LOOKUPS & set(names))}"))
        if path.startswith("mmn_ddx/cli/") and module.startswith("mmn_ddx") and not module.startswith("mmn_ddx.cli"):
            if module not in CLI_MAY_IMPORT and not module.startswith("mmn_ddx.render"):
                out.add(("cli imports", where))
    return out


def test_the_walk_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    if True:\n        from rich.text import Text\n")
    assert _breaks("mmn_ddx/model.py", tree) == {("rich", "mmn_ddx/model.py, line 3: rich.text")}


def test_a_module_imported_from_the_package_counts_as_that_module():
    tree = ast.parse("from mmn_ddx import DISCLAIMER, api, classroom\n")
    assert _breaks("mmn_ddx/cli/x.py", tree) == {("cli imports", "mmn_ddx/cli/x.py, line 1: mmn_ddx.classroom")}


@pytest.mark.parametrize("path", sorted(MODULES))
def test_each_module_keeps_to_its_layer(path):
    broken = sorted(where for rule, where in _breaks(path, MODULES[path]) if (path, rule) not in ALLOWED)
    assert not broken, "imports across a layer:\n" + "\n".join(broken)


def test_the_allowances_are_all_still_needed():
    needed = {(path, rule) for path, tree in MODULES.items() for rule, _ in _breaks(path, tree)}
    stale = sorted(ALLOWED - needed)
    assert not stale, f"remove from ALLOWED in tests/test_layering.py (no longer needed): {stale}"


@pytest.mark.parametrize("module, name", [
    ("mmn_ddx.vocabulary", "vocabulary"), ("mmn_ddx.rulebook", "rulebook"),
    ("mmn_ddx.assessment", "assessor"), ("mmn_ddx.cases", "library"),
])
def test_the_old_hidden_lookups_are_gone(module, name):
    assert not hasattr(importlib.import_module(module), name)
