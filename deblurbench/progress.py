"""The sweep's progress: the measurement in progress and an ETA learned from the ones done.

A task's expected work is its network's cost (GMACs at the headline size, once counted; the
mean of the counted ones before that) times what kind of task it is (a real forward for the
counters, a timed series, one forward per image); each kind's seconds per unit of work is
learned from the tasks of that kind already done, so the estimate sharpens as the run goes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

# Work per unit of network cost, before any task of the kind has been timed: a rough prior only.
PRIOR_SECONDS_PER_UNIT = 0.1


def format_seconds(seconds: float) -> str:
    """``95`` -> ``1m35s``; ``3725`` -> ``1h02m``."""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """A tqdm bar on stderr naming the task in progress, with an ETA from each kind's learned rate.

    ``work(task)`` is a task's expected work in units of network cost; ``kind(task)`` names
    its kind ("complexity", "latency", "quality").
    """

    def __init__(
        self,
        tasks: Sequence[Any],
        work: Callable[[Any], float],
        kind: Callable[[Any], str],
        show: bool,
    ) -> None:
        from tqdm import tqdm

        self.tasks, self.work, self.kind = list(tasks), work, kind
        self.done: dict[str, list[float]] = {}  # kind -> [seconds, units]
        self.position = 0
        self.bar = tqdm(
            total=len(self.tasks),
            disable=not show,
            file=sys.stderr,
            dynamic_ncols=True,
            # tqdm's own remaining time assumes every task costs the same: ours replaces it
            bar_format="{desc}{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} tasks, {elapsed} elapsed{postfix}",
        )

    def rate(self, kind: str) -> float:
        """Seconds per unit of work for ``kind``: learned from its finished tasks, else from all, else the prior."""
        seconds, units = self.done.get(kind, [0.0, 0.0])
        if units > 0:
            return seconds / units
        total = [sum(v) for v in zip(*self.done.values(), strict=False)] if self.done else [0.0, 0.0]
        return total[0] / total[1] if total[1] > 0 else PRIOR_SECONDS_PER_UNIT

    def eta(self) -> float:
        """Seconds the tasks not yet finished are expected to take."""
        return sum(self.work(t) * self.rate(self.kind(t)) for t in self.tasks[self.position :])

    def begin(self, task: Any) -> None:
        """Name the task now measured."""
        self.bar.set_description(f"{task.model}: {task.label}")
        self.bar.set_postfix_str(f"about {format_seconds(self.eta())} to go", refresh=True)

    def end(self, task: Any, seconds: float, measured: bool) -> None:
        """Account a finished (or skipped) task: learn its kind's rate when it was measured."""
        if measured:
            entry = self.done.setdefault(self.kind(task), [0.0, 0.0])
            entry[0] += seconds
            entry[1] += self.work(task)
        self.position += 1
        self.bar.set_postfix_str(f"about {format_seconds(self.eta())} to go", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        """Close the bar."""
        self.bar.close()
