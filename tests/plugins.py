"""A plugin package laid out as ``pip install`` leaves it, for tests: its files and a dist-info
naming its ``deblurbench.models`` entry points, in a folder put on ``sys.path`` (or PYTHONPATH)."""

from __future__ import annotations

import importlib
import shutil
import sys
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from deblurbench.models import registry

DEMO = Path(__file__).parent / "plugin_pkg"  # the example plugin package


def install(root: Path, pyproject: str, files: Mapping[str, str] | Path) -> None:
    """Write the package (``files``: relative path -> text, or a source folder to copy) and the
    dist-info ``pyproject``'s [project] table describes into ``root``."""
    if isinstance(files, Path):
        shutil.copytree(files, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("pyproject.toml"))
    else:
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
    project = tomllib.loads(pyproject)["project"]
    dist = root / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = [
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items())
        for group, eps in project["entry-points"].items()
    ]
    (dist / "entry_points.txt").write_text("\n".join(lines))


@contextmanager
def on_path(root: Path) -> Iterator[None]:
    """``root`` on sys.path, the plugins scanned again; afterwards everything they registered is gone."""
    before = set(registry.MODELS.names())  # the built-in networks loaded first: they stay
    modules = set(sys.modules)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(root))
        importlib.invalidate_caches()
        for name in set(sys.modules) - modules:  # the plugin's own modules only
            if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(root)):
                sys.modules.pop(name)
        for name in set(registry.MODELS._entries) - before:
            registry.MODELS.remove(name)
        registry.reload_plugins()  # forget the failures
