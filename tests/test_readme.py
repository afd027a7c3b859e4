"""The README's facts about the networks are the specs' facts (one definition: the spec)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from plugins import install, on_path

import deblurbench as db
from deblurbench.reports.subject import published_quality

README = (Path(__file__).parents[1] / "README.md").read_text()


def network_rows() -> dict[str, list[str]]:
    start = README.index("## The networks")
    section = README[start : README.index("\n## ", start + 1)]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {row.split("`")[1]: [cell.strip() for cell in row.strip("|").split("|")] for row in rows}


def test_every_network_has_its_row_with_the_spec_s_figure_and_checkpoints() -> None:
    rows = network_rows()
    assert set(rows) == set(db.list_models(plugins=False))
    for name, cells in rows.items():
        figure = published_quality(name)
        assert cells[1] == (f"{figure.value:g} dB" if figure else "none published"), name
        for checkpoint in db.get_spec(name).checkpoints:
            assert f"`{checkpoint.name}`" in cells[3], (name, checkpoint.name)
        if db.get_spec(name).real_frame:
            assert "real GoPro frame" in cells[4], name


# ---- "Adding a network": the plugin example, as printed ----


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    return README[start : README.index("\n## ", start + 1)]


def code_block(text: str, language: str) -> str:
    """The first ```language block of ``text``, verbatim."""
    match = re.search(rf"```{language}\n(.*?)```", text, re.DOTALL)
    assert match, f"no {language} block"
    return match.group(1)


def readme_plugin(root: Path) -> tuple[Path, str]:
    """The README's plugin package written into ``root / 'mynet-plugin'``: (its folder, its pyproject)."""
    text = section("Adding a network")
    package = root / "mynet-plugin"
    (package / "mynet_plugin").mkdir(parents=True)
    (package / "mynet_plugin" / "__init__.py").write_text(code_block(text, "python"))
    pyproject = code_block(text, "toml")
    (package / "pyproject.toml").write_text(pyproject)
    return package, pyproject


def test_the_readme_plugin_registers_and_is_measured_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from deblurbench.cli import main
    from deblurbench.models import registry

    package, pyproject = readme_plugin(tmp_path)
    site = tmp_path / "site"
    install(site, pyproject, package)
    with on_path(site):
        registry.reload_plugins()
        assert registry.plugin_failures() == ()
        assert "mynet" in db.list_models() and "mynet" not in db.list_models(plugins=False)
        assert main(["models", "--format", "json"]) == 0
        (row,) = [r for r in json.loads(capsys.readouterr().out) if r["name"] == "mynet"]
        assert row["origin"] == "plugin entry point 'mynet' (mynet_plugin)" and row["multiple"] == 8
        assert main(["complexity", "--models", "mynet", "--size", "64x64", "--format", "json"]) == 0
        (cost,) = json.loads(capsys.readouterr().out)
        assert cost["params"]["declared"] == 7123 and cost["macs"]["fvcore"] > 0
        argv = ["latency", "--models", "mynet", "--size", "64x64", "--repeats", "3", "--format", "json"]
        assert main(argv) == 0
        (timing,) = json.loads(capsys.readouterr().out)
        assert timing["model"] == "mynet" and timing["median_ms"] > 0


@pytest.mark.slow
def test_the_readme_plugin_installs_with_pip(tmp_path: Path) -> None:
    """A real `pip install` of the README's package into a venv (system site packages, no index)."""
    package, _ = readme_plugin(tmp_path)
    venv = tmp_path / "venv"
    # --without-pip: the system's pip and setuptools install into the venv (its own would be older)
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True
    )
    python = str(venv / "bin" / "python")
    pip = ["-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir"]
    subprocess.run([python, *pip, str(package)], check=True, capture_output=True, timeout=300)
    complexity = [
        "-m",
        "deblurbench",
        "complexity",
        "--models",
        "mynet",
        "--size",
        "64x64",
        "--format",
        "json",
    ]
    root = Path(__file__).parents[1]  # the cwd: python -m deblurbench runs this checkout's package
    done = subprocess.run([python, *complexity], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["params"]["declared"] == 7123
