"""The footer: every key of the main screen, wrapped onto as many lines as the width needs.

Textual's Footer scrolls sideways when the keys do not fit; at 80 columns that would hide half of
them, so this bar wraps between keys instead. Each key is also clickable (a phone's SSH app taps).
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from evse_tui.ui.keys import KEYS


def _item(shown: str, label: str, action: str) -> Content:
    click = f"@click=app.{action}"
    return Content.assemble((f" {shown}", f"bold $accent {click}"), (f" {label}", click))


def key_items() -> list[Content]:
    return [_item(k.shown, k.label, k.action) for k in KEYS]


PALETTE_ITEM = _item("^p", "commands", "command_palette")


def _lines(items: list[Content], width: int, gap: str) -> list[list[Content]]:
    lines: list[list[Content]] = [[]]
    used = 0
    for item in items:
        need = item.cell_length + (len(gap) if lines[-1] else 0)
        if lines[-1] and used + need > width:
            lines.append([])
            used, need = 0, item.cell_length
        lines[-1].append(item)
        used += need
    if used + len(gap) + PALETTE_ITEM.cell_length <= width:
        lines[-1].append(PALETTE_ITEM)  # the palette key only where it costs no extra line
    return lines


def pack(items: list[Content], width: int) -> list[Content]:
    """Greedy lines of items, never splitting one; roomier gaps when they cost no extra line."""
    tight = _lines(items, width, "")
    roomy = _lines(items, width, " ")
    lines, gap = (roomy, " ") if len(roomy) <= len(tight) else (tight, "")
    return [Content(gap).join(line) for line in lines]


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        height: auto;
        background: $panel;
        color: $foreground;
        padding: 0 1 0 0;
        link-style: none;
        link-color: $foreground;
        link-background: $panel;
        link-style-hover: reverse;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items = key_items()

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        return len(pack(self.items, width))

    def render(self) -> Content:
        return Content("\n").join(pack(self.items, self.content_size.width))
