"""The base of vpnxlate's small immutable value classes.

:class:`Record` is shared by :class:`vpnxlate.diagnostics.Diagnostic`, ``registry.Option`` and
:class:`vpnxlate.emitters._base.OutputFile`; it lives on its own so that none of them imports
another's module for it.
"""

from __future__ import annotations

from attrs.exceptions import FrozenInstanceError


class Record:
    """Base of small immutable value classes (:class:`Diagnostic`, ``registry.Option``,
    ``OutputFile``): equal, hashed, pickled and shown by the values of ``_fields``.

    Plain classes rather than attrs classes: they are created on every start-up, and attrs'
    class creation is a noticeable part of it.  Subclasses set their fields in ``__init__``
    with ``object.__setattr__``.
    """

    _fields: tuple[str, ...] = ()
    __slots__ = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        return self.__class__, self._values()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__name__}({fields})"
