"""Plain text for the screen: watts, money, energy, a signed sparkline and the SoC gauge.

Pure functions with no Textual import, so every shape the owner reads is a one-line test.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from evse_tui.control.states import ControlState

IMPORT = "bold red"
EXPORT = "bold green"
CHARGING = "bold cyan"
DISCHARGING = "bold yellow"
DIM = "dim"
BLOCKS = " ▁▂▃▄▅▆▇█"


def watts(value: float | None) -> str:
    """ "850 W", "1.23 kW", "-2.40 kW"; "—" when unknown. Always 8 characters wide, right-aligned."""
    if value is None:
        return f"{'—':>8}"
    if abs(value) < 1000:
        return f"{value:>6.0f} W"
    return f"{value / 1000:>5.2f} kW"


def kwh(wh: float) -> str:
    return f"{wh / 1000:.2f} kWh"


def money(pence: float) -> str:
    """ "£1.23" from 123 p; "-£0.40" for a negative amount."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) / 100:.2f}"


def seconds(value: float) -> str:
    """ "12 s", "3 min 05 s", "2 h 10 min": countdowns and ages."""
    value = max(0.0, value)
    if value < 60:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{int(value // 60)} min {int(value % 60):02d} s"
    return f"{int(value // 3600)} h {int(value % 3600 // 60):02d} min"


def grid_style(value: float | None) -> str:
    if value is None or abs(value) < 1:
        return ""
    return IMPORT if value > 0 else EXPORT


def grid_words(value: float | None) -> str:
    if value is None:
        return "no reading"
    if value > 0:
        return "import"
    return "export" if value < 0 else "balanced"


def evse_style(value: float | None) -> str:
    if value is None or abs(value) < 50:
        return ""
    return CHARGING if value > 0 else DISCHARGING


def evse_words(value: float | None) -> str:
    if value is None:
        return "no reading"
    if value >= 50:
        return "charging"
    return "discharging" if value <= -50 else "idle"


def state_words(state: ControlState, low: int | None, high: int | None) -> str:
    """ "LOAD FOLLOW DISCHARGE 2–16 A", "CHARGE 32 A", "DORMANT"."""
    name = state.value.replace("_", " ")
    if low is None and high is None:
        return name
    if low == high or low is None or high is None:
        return f"{name} {high if high is not None else low} A"
    return f"{name} {low}–{high} A"


def buckets(values: Sequence[float], width: int) -> list[float]:
    """Average `values` into at most `width` columns, oldest first (fewer values: one column each)."""
    if width <= 0 or not values:
        return []
    n = len(values)
    if n <= width:
        return list(values)
    out = []
    for col in range(width):
        start, end = col * n // width, (col + 1) * n // width
        chunk = values[start:end] or values[start : start + 1]
        out.append(sum(chunk) / len(chunk))
    return out


def spark_rows(
    values: Sequence[float], width: int, rows: int, positive: str, negative: str, scale: float | None = None
) -> list[Text]:
    """A bar chart of magnitudes `rows` lines high, each bar coloured by its sign, newest at the right.

    Colour carries the sign so the chart reads in 16 colours; `scale` (W) fixes the top, else the largest |value|.
    """
    cols = buckets(values, width)
    top = scale if scale else max((abs(v) for v in cols), default=0.0)
    eighths = rows * 8
    cells: list[list[tuple[str, str]]] = [[(" ", "")] * (width - len(cols)) for _ in range(rows)]
    for value in cols:
        level = 0 if top <= 0 else round(min(abs(value), top) / top * eighths)
        if level == 0 and abs(value) >= 1:
            level = 1  # anything flowing shows at least a sliver
        style = positive if value > 0 else negative
        for row in range(rows):
            part = max(0, min(8, level - (rows - 1 - row) * 8))
            cells[row].append((BLOCKS[part], style if part else ""))
    return [_runs(line) for line in cells]


def _runs(cells: list[tuple[str, str]]) -> Text:
    """One span per run of equal style: fewer escape codes down a slow link."""
    text = Text()
    run, run_style = "", None
    for char, style in cells:
        if style != run_style and run:
            text.append(run, run_style or None)
            run = ""
        run += char
        run_style = style
    if run:
        text.append(run, run_style or None)
    return text


def soc_gauge(soc: float | None, cap: int, width: int) -> Text:
    """ "█████████░░░░┃░░" with the charge cap marked; the fill colour warns when the car runs low."""
    if width <= 0:
        return Text()
    filled = 0 if soc is None else round(max(0.0, min(100.0, soc)) / 100 * width)
    mark = min(width - 1, round(cap / 100 * width))
    colour = "green" if soc is not None and soc > 25 else ("yellow" if soc is not None and soc > 10 else "red")
    cells = [("┃", "bold") if col == mark else ("█", colour) if col < filled else ("░", DIM) for col in range(width)]
    return _runs(cells)


def mode_word(action: str) -> str:
    """The console word for an EventView action, so an edit form starts from what the event does.

    "FIXED -8 A" -> "-8", "SMART COSY" -> "cosy", "PAUSE_UNTIL_DISCONNECT" -> "unplug", "POWER_HOME" -> "power-home".
    """
    words = action.split()
    if not words:
        return ""
    if words[0] == "FIXED" and len(words) >= 2:
        return str(int(words[1]))
    if words[0] == "SMART" and len(words) >= 2:
        return words[1].lower()
    if words[0] == "PAUSE_UNTIL_DISCONNECT":
        return "unplug"
    return words[0].lower().replace("_", "-")
