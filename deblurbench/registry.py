"""The one generic registry type: named entries, one lookup, one "did you mean".

Networks, reference methods, datasets and training recipes are each a :class:`Registry`.
Each family keeps its own decorator (``register_model``, ``register_dataset``, ...), which
builds the family's spec and calls :meth:`Registry.add`; every entry is registered in its
own file, and :func:`import_submodules` imports those files the first time a registry is
read. This module imports nothing else of the package.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """A name a registry does not hold; the message is one line with the nearest names."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want plain text
        return str(self.args[0])


class Registry(Generic[T]):
    """Entries of one kind by name, filled lazily by ``loader`` on first read.

    ``kind`` names an entry in messages ("model", "dataset"); ``listing`` is the hint
    that ends an unknown-name message (``{count}`` is replaced by the number of entries);
    ``error`` is the exception class raised for an unknown name; ``ordered`` keeps
    registration order in :meth:`names` instead of sorting by name; ``rank`` sorts by
    ``rank(entry)`` first (e.g. a listing order declared in each entry's spec); ``resolver``
    turns a name the registry does not hold into an entry (or None: unknown) when it is looked
    up, e.g. ``spandrel:PATH`` for a checkpoint file: such entries are never listed; ``note``
    gives what ends an unknown-name message after the listing (e.g. the plugins that failed to load).
    """

    def __init__(
        self,
        kind: str,
        *,
        listing: str = "",
        error: type[Exception] = UnknownNameError,
        loader: Callable[[], None] | None = None,
        ordered: bool = False,
        rank: Callable[[T], Any] | None = None,
        resolver: Callable[[str], T | None] | None = None,
        note: Callable[[], str] | None = None,
    ) -> None:
        self.kind = kind
        self.listing = listing
        self.error = error
        self.ordered = ordered
        self.rank = rank
        self.resolver = resolver
        self.note = note
        self._loader = loader
        self._loaded = loader is None
        self._entries: dict[str, T] = {}

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True  # first, so that entries registering during the load do not recurse
            assert self._loader is not None
            self._loader()

    def add(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Register ``entry`` under ``name``; a second, different entry of that name is refused."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} needs a non-empty string name, got {name!r}")
        if not replace and name in self._entries and self._entries[name] is not entry:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def remove(self, name: str) -> T | None:
        """Unregister ``name`` (tests, plugins being reloaded); the entry, or None."""
        return self._entries.pop(name, None)

    def names(self) -> list[str]:
        """Every registered name: sorted (by rank, then name), or in registration order when ``ordered``."""
        self._load()
        names = list(self._entries) if self.ordered else sorted(self._entries)
        if self.rank is not None:
            names.sort(key=lambda name: self.rank(self._entries[name]))
        return names

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is registered or resolves (a name that fails to resolve is not held)."""
        self._load()
        if not isinstance(name, str):
            return False
        if name in self._entries:
            return True
        try:
            return self._resolve(name) is not None
        except (UnknownNameError, ValueError, OSError):
            return False

    def _resolve(self, name: str) -> T | None:
        return self.resolver(name) if self.resolver is not None else None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def suggest(self, name: object) -> list[str]:
        """Up to three registered names close to ``name``."""
        self._load()
        return difflib.get_close_matches(str(name), list(self._entries), n=3, cutoff=0.5)

    def unknown(self, name: object) -> Exception:
        """The one-line error for a name this registry does not hold."""
        self._load()
        if not isinstance(name, str):
            return self.error(
                f"{self.kind} name must be a string such as {self._example()}, got {type(name).__name__}"
            )
        near = self.suggest(name)
        hint = f"did you mean {', '.join(near)}? " if near else ""
        listing = self.listing.format(count=len(self._entries)) if self.listing else self._known()
        note = self.note() if self.note is not None else ""
        return self.error(f"unknown {self.kind} {name!r}: {hint}{listing}{note}")

    def get(self, name: object) -> T:
        """The entry of ``name``; :attr:`error` with the nearest names otherwise."""
        self._load()
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        resolved = self._resolve(name) if isinstance(name, str) else None
        if resolved is None:
            raise self.unknown(name)
        return resolved

    def _known(self) -> str:
        return f"known: {', '.join(self.names()) or 'none'}"

    def _example(self) -> str:
        names = self.names()
        return repr(names[0]) if names else "'name'"


def import_submodules(package: str, skip: frozenset[str] = frozenset()) -> None:
    """Import every public module of ``package`` but those in ``skip``, so that they register.

    One module that fails to import is a warning naming it, not the end of the others.
    """
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if info.name in skip or info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{package}.{info.name}")
        except Exception as exc:
            warnings.warn(
                f"deblurbench: {package}.{info.name} failed to import and registers nothing: {exc}",
                stacklevel=2,
            )
