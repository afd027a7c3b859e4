"""No import cycles between deblurbench's modules (``python tests/test_imports.py`` lists them).

A cycle of module-level imports breaks depending on which module is imported first; one closed
only by imports inside functions works, but ties the modules into one. Both are found by
reading the source (no module is imported), so a new cycle fails here, naming its modules.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "deblurbench"

# Cycles closed by imports inside functions, left to the work that removes them; remove an entry
# when its cycle is gone (the test fails on a stale one, so the list cannot outlive its cycles).
KNOWN: set[tuple[str, ...]] = set()


def modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, whether it is a package's __init__)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _imports(tree: ast.Module, everywhere: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements at module level (also under if/try there), or (``everywhere``) all."""
    nodes = ast.walk(tree) if everywhere else _module_level(tree.body)
    yield from (n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)))


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """What runs when the module is loaded: its statements, also under if/try, but not under
    ``if TYPE_CHECKING:`` (those imports never run, so they close no cycle and load nothing)."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _module_level(node.orelse)
            continue
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            for block in (
                node.body,
                node.orelse,
                getattr(node, "finalbody", []),
                *getattr(node, "handlers", []),
            ):
                yield from _module_level(block.body if isinstance(block, ast.ExceptHandler) else block)


def graph(everywhere: bool = False) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (``from X import name`` of a submodule: X.name)."""
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, (path, is_package) in known.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8")), everywhere):
            if isinstance(node, ast.Import):
                edges[name] |= {a.name for a in node.names if a.name in known}
                continue
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                edges[name] |= {sub} if sub in known else {target} & set(known)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(tuple(sorted(group)))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(edges)))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_module_level_import_cycle() -> None:
    assert cycles(graph()) == []


def test_no_import_cycle_but_the_known_ones() -> None:
    found = set(cycles(graph(everywhere=True)))
    assert found - KNOWN == set(), "new import cycles"
    assert KNOWN - found == set(), "gone: remove them from KNOWN"


def test_the_command_line_does_not_import_its_commands() -> None:
    edges = graph(everywhere=True)
    assert not {m for m in edges["deblurbench.cli"] if m.startswith("deblurbench.train")}


def _loaded_with(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    """The package's modules importing ``start`` loads: their module-level imports, and the packages
    above every module (``import a.b.c`` runs ``a`` and ``a.b`` first)."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parents = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        todo.extend((edges[name] | parents) - seen)
    return seen


def _third_party(path: Path) -> set[str]:
    """Top-level names of the absolute imports a module runs when loaded."""
    found: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8")), everywhere=False):
        if isinstance(node, ast.Import):
            found |= {a.name.partition(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return found


def test_train_and_the_parser_load_no_pandas() -> None:
    """``python -m deblurbench train`` loads the package, every command's parser module and the
    training code; none of them imports pandas when loaded (about 0.3 CPU-s in every process, each
    torchrun rank's included): the functions that make frames import it."""
    from deblurbench.cli import COMMANDS

    known = modules()
    start = {"deblurbench.__main__", "deblurbench.train.loop", *(c.partition(":")[0] for c in COMMANDS)}
    loaded = _loaded_with(start, graph())
    assert sorted(m for m in loaded if "pandas" in _third_party(known[m][0])) == []


if __name__ == "__main__":
    for everywhere in (False, True):
        print("all imports:" if everywhere else "module-level imports:")
        for group in cycles(graph(everywhere)):
            print("  " + " <-> ".join(group) + ("  (known)" if group in KNOWN else ""))
