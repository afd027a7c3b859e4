"""The run configuration is checked on load: one line naming the key, exit code 2, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblurbench.cli import main
from deblurbench.config import ConfigError, RunConfig, load_config

# (TOML text, what the one error line must say)
BAD = [
    ('latency_repeats = "x"', "latency_repeats expects an integer >= 1"),
    ("latency_repeats = -5", "latency_repeats expects an integer >= 1 (the most repeats); got -5"),
    ('latency_timing = "slow"', "latency_timing expects quick or publication"),
    ("latency_repeats = true", "latency_repeats expects an integer >= 1"),
    ("latency_warmup = -1", "latency_warmup expects an integer >= 0"),
    ("latency_max_time_s = 0", "latency_max_time_s expects a number of seconds > 0"),
    ("threads = 0", "threads expects an integer >= 1"),
    ('models = "lmfn"', "models expects a list of network names"),
    ('models = ["lmfm"]', "did you mean lmfn"),
    ('complexity_sizes = "256x256"', "complexity_sizes expects a list of sizes"),
    ('latency_sizes = ["256y256"]', "size '256y256' is malformed"),
    ('weights = "x"', 'weights expects a table {network = "path or tag"}'),
    ('weights = { nosuchnet = "a.pth" }', "unknown model 'nosuchnet'"),
    ('weights = { lmfn = "" }', "is not a non-empty path"),
    ('save_images = "no"', "save_images expects true or false; got str 'no'"),
    ('latency_device = "tpu"', "latency_device expects a device of this machine"),
    ('quality_device = "cuda:7"', "quality_device expects a device of this machine"),
    ('latency_dtype = "fp8"', "latency_dtype expects float32, float64, float16 or bfloat16"),
    ('quality_datasets = ["gorpo"]', "did you mean gopro"),
    ('quality_datasets = ["synthetic:val"]', "synthetic has no split 'val'"),
    ('dataset_roots = { nowhere = "/x" }', "unknown dataset 'nowhere'"),
    ('references = ["wienr"]', "did you mean wiener"),
    ('outputs = "x"', 'outputs expects a table {name = "folder of its result images"}'),
    ('outputs = { "" = "x" }', "outputs expects a table"),
    ('outputs = { m = "/no/such/released" }', "/no/such/released does not exist"),
    ('subject = "nafnet"', "subject expects the network the report's claims are about"),
    ('out = ""', "out expects a directory path"),
    ("modles = []", "unknown key(s) modles"),
    ("models = [\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[b[0].split(" ")[0] for b in BAD])
def test_bad_value_is_one_line_exit_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "run.toml"
    config.write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--config", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert str(config) in err or "unknown" in err or "did you mean" in err
    assert not out.exists()  # nothing was started


def test_values_are_typed() -> None:
    config = load_config(
        None, models=["lmfn"], latency_sizes=["128x96"], latency_repeats=7, threads=None, save_images=False
    )
    assert config.models == ("lmfn",) and config.latency_sizes == ((128, 96),)
    assert config.latency_repeats == 7 and config.save_images is False
    assert config.latency_settings().repeats == 7


def test_flags_are_checked_like_the_file() -> None:
    with pytest.raises(ConfigError, match="command line: latency_repeats expects an integer >= 1"):
        load_config(None, latency_repeats=0)


def test_directory_and_non_utf8_config_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"--config {tmp_path}: is a directory"):
        load_config(tmp_path)
    path = tmp_path / "latin1.toml"
    path.write_bytes('out = "r\xe9sultats"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=f"--config {path}: not UTF-8"):
        load_config(path)


def test_every_field_declares_how_it_is_read() -> None:
    from dataclasses import fields

    for f in fields(RunConfig):
        assert callable(f.metadata["read"]) and f.metadata["expects"], f.name
        default = f.default_factory() if callable(f.default_factory) else f.default
        if default is not None:
            f.metadata["read"](list(default) if isinstance(default, tuple) else default)  # defaults are valid
