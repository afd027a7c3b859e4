"""The sweep: records every outcome, goes on after a failure, resumes after a kill."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from torch import nn

from deblurbench import runner
from deblurbench.bench.evaluate import weights_label
from deblurbench.bench.records import LatencyRecord
from deblurbench.bench.store import Store
from deblurbench.config import RunConfig, load_config
from deblurbench.models import Paper, registry
from deblurbench.sizes import parse_size


class Broken(nn.Module):
    """A network whose forward raises at every size a measurement uses (the registration check's
    one forward, on the 1 x 1 input its spec accepts, passes)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] > 1:
            raise RuntimeError("forward exploded")
        return self.conv(x)


@pytest.fixture
def broken_net():
    def broken_net() -> nn.Module:
        return Broken()

    registry.register_model(display_name="Broken", paper=Paper("t", "v", 2026), repo="a/b", commit="0" * 40)(
        broken_net
    )
    yield "broken_net"
    registry.MODELS.remove("broken_net")


def small_config(tmp_path: Path, models: tuple[str, ...]) -> RunConfig:
    return RunConfig(
        out=tmp_path,
        models=models,
        complexity_sizes=((64, 64),),
        macs_sizes=((128, 128),),
        latency_sizes=((64, 64),),
        latency_repeats=2,
        latency_warmup=0,
        quality_datasets=(),
    )


def test_failure_recorded_and_sweep_goes_on(tmp_path: Path, broken_net: str) -> None:
    config = small_config(tmp_path, ("broken_net", "lmfn"))
    store = Store(tmp_path)
    summary = runner.sweep(runner.plan(config), store, progress=False)
    assert summary.done == 3  # lmfn: two complexity sizes and one latency
    assert {(m, t) for m, t, _ in summary.failed} == {
        ("broken_net", "complexity 64x64"),
        ("broken_net", "complexity 128x128"),
        ("broken_net", "latency 64x64"),
    }
    failures = store.frame("failures")
    assert len(failures) == 3 and failures["error"].str.contains("forward exploded").all()
    assert set(store.frame("complexity")["model"]) == {"lmfn"}


def test_killed_sweep_resumes_without_redoing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = runner.plan(small_config(tmp_path, ("lmfn",)))
    store = Store(tmp_path)
    real_measure = runner.measure
    calls: list[str] = []

    def killed_after_first(m: runner.Measurement, *args: object) -> dict:
        if calls:
            raise KeyboardInterrupt
        calls.append(m.label)
        return real_measure(m, *args)

    monkeypatch.setattr(runner, "measure", killed_after_first)
    with pytest.raises(KeyboardInterrupt):
        runner.sweep(work, store, progress=False)
    assert len(store.frame("complexity")) == 1  # the finished row survived the kill

    done: list[str] = []

    def counting(m: runner.Measurement, *args: object) -> dict:
        done.append(m.label)
        return real_measure(m, *args)

    monkeypatch.setattr(runner, "measure", counting)
    summary = runner.sweep(work, Store(tmp_path), progress=False)
    assert summary.skipped == 1 and summary.done == 2
    assert calls[0] not in done  # the first measurement was not redone


def test_plan_rejects_unknown_model(tmp_path: Path) -> None:
    with pytest.raises(registry.UnknownModelError):
        runner.plan(small_config(tmp_path, ("no_such_net",)))


def test_check_size_below_minimum() -> None:
    with pytest.raises(ValueError, match="below lmfn's minimum"):
        runner.check_size("lmfn", (32, 300))
    runner.check_size("lmfn", (64, 65))  # padded, not rejected


@pytest.mark.parametrize(
    ("text", "size"),
    [("256x256", (256, 256)), ("720X1280", (720, 1280)), ("128", (128, 128)), ("3, 4", (3, 4))],
)
def test_parse_size(text: str, size: tuple[int, int]) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "x", "12x", "-3x4", "0x5", "1.5x2"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_config_file_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('models = ["lmfn"]\nlatency_sizes = ["128x96"]\nlatency_repeats = 4\n')
    config = load_config(path, latency_repeats=7, out=tmp_path / "o")
    assert config.models == ("lmfn",)
    assert config.latency_sizes == ((128, 96),)
    assert config.latency_repeats == 7 and config.out == tmp_path / "o"
    path.write_text("modles = []\n")
    with pytest.raises(ValueError, match="unknown key"):
        load_config(path)
    path.write_text("models = [\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config(path)


def test_store_rejects_a_non_database(tmp_path: Path) -> None:
    bad = tmp_path / "results.sqlite"
    bad.write_text("not a database, just text " * 100)
    with pytest.raises(ValueError, match="not a deblurbench results store"):
        Store(tmp_path)


def test_sweep_evaluates_networks_with_weights_and_references(tmp_path: Path) -> None:
    weights = tmp_path / "lmfn.pth"
    torch.save(registry.create_model("lmfn").state_dict(), weights)
    config = replace(
        small_config(tmp_path / "out", ("lmfn",)),
        complexity_sizes=(),
        macs_sizes=(),
        latency_sizes=(),
        quality_datasets=("synthetic:tiny",),
        references=("identity", "wiener"),
        weights={"lmfn": str(weights)},
    )
    work = runner.plan(config)
    assert [(m.model, m.label) for m in work] == [
        ("identity", "quality synthetic/tiny"),
        ("wiener", "quality synthetic/tiny"),
        ("lmfn", "quality synthetic/tiny"),
    ]
    store = Store(config.out)
    summary = runner.sweep(work, store, progress=False)
    assert summary.done == 3 and not summary.failed
    quality = store.frame("quality")
    assert quality.groupby("model").size().to_dict() == {"identity": 4, "lmfn": 4, "wiener": 4}
    assert set(quality.loc[quality["model"] == "lmfn", "weights"]) == {weights_label(str(weights))}
    assert runner.sweep(work, store, progress=False).skipped == 3
    # kernel-needing references are planned only where the dataset knows its kernels
    other = replace(config, quality_datasets=("gopro",), dataset_roots={"gopro": str(tmp_path)})
    assert [m.model for m in runner.plan(other)] == ["identity", "lmfn"]


def test_a_timing_right_after_its_count_takes_that_forward_as_its_warm_up(tmp_path: Path) -> None:
    work = runner.plan(small_config(tmp_path, ("lmfn",)))
    assert [t.label for t in work] == ["complexity 64x64", "latency 64x64", "complexity 128x128"]
    store = Store(tmp_path)
    runner.sweep(work, store, progress=False)
    (timing,) = store.records(LatencyRecord)
    assert timing.warmup == 0 and "the counters' forward just before" in timing.method
    # on its own (no count just before) a timing warms up itself
    runner.NETWORKS.clear()
    settings = replace(work[1].settings, warmup=None)  # the quick preset's one warm-up
    (alone,) = runner.LatencyTask("lmfn", (64, 64), settings).run(store, None)
    assert alone.warmup == 1 and "counters" not in alone.method


def test_summary_says_where_the_time_went(tmp_path: Path) -> None:
    summary = runner.sweep(runner.plan(small_config(tmp_path, ("lmfn",))), Store(tmp_path), progress=False)
    assert set(summary.seconds) == {"complexity", "latency"} and all(v > 0 for v in summary.seconds.values())


def test_progress_eta_learns_each_kind_s_rate() -> None:
    from deblurbench.progress import Progress, format_seconds

    tasks = [runner.LatencyTask("lmfn", (64, 64)), runner.LatencyTask("hinet", (64, 64))]
    bar = Progress(tasks, lambda t: {"lmfn": 1.0, "hinet": 10.0}[t.model], lambda t: "latency", show=False)
    bar.end(tasks[0], seconds=2.0, measured=True)
    assert bar.eta() == pytest.approx(20.0)  # 10 units at the 2 s per unit learned
    assert format_seconds(95) == "1m35s" and format_seconds(3725) == "1h02m"


def test_networks_without_weights_are_named_not_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = replace(
        small_config(tmp_path / "out", ("lmfn", "hinet")),
        complexity_sizes=(),
        macs_sizes=(),
        latency_sizes=(),
        quality_datasets=("synthetic:tiny",),
        references=(),
    )
    assert [(t.model, t.weights) for t in runner.plan(config)] == [("lmfn", "synthetic")]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "on synthetic:tiny: hinet" in err and "random_weights" in err, err
    chosen = runner.plan(replace(config, random_weights=True))
    assert [(t.model, t.weights) for t in chosen] == [("lmfn", "synthetic"), ("hinet", None)]
    assert capsys.readouterr().err == ""
