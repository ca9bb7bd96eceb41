"""A ScrollView mix-in that skips scrollbar updates when a layout changed nothing.

Textual re-runs a ScrollView's scrollbar update on every screen layout even when the view's
sizes are exactly as they were; with many panes streaming that is most of a layout pass.
"""

from __future__ import annotations

from textual.geometry import Size


class SkipUnchangedSizes:
    _last_sizes: tuple[Size, Size, Size] | None = None

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        key = (size, virtual_size, container_size)
        if key == self._last_sizes:
            return False
        self._last_sizes = key
        return super()._size_updated(size, virtual_size, container_size, layout)  # type: ignore[misc]
