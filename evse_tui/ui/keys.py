"""Every key of the main screen in one table: the bindings, the key bar, the help screen and the
command palette are all made from it, so they can never disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyCommand:
    key: str  # Textual key name
    shown: str  # how the key bar writes it
    action: str  # action on the app
    label: str  # short word for the key bar
    title: str  # name in the command palette and help
    help: str  # one line: what happens


KEYS: tuple[KeyCommand, ...] = (
    KeyCommand("c", "c", "mode('charge')", "charge", "Charge", "charge at the maximum charge current"),
    KeyCommand("d", "d", "mode('discharge')", "discharge", "Discharge", "discharge at the maximum discharge current"),
    KeyCommand("p", "p", "mode('pause')", "pause", "Pause", "the charger rests at 0 A"),
    KeyCommand("s", "s", "mode('smart')", "smart", "Smart", "the active tariff's strategy decides"),
    KeyCommand("u", "u", "mode('unplug')", "unplug", "Pause until unplugged", "rest so the cable can be removed; the mode resumes on plug-in"),
    KeyCommand("o", "o", "mode('solar')", "solar", "Solar", "charge from solar surplus only"),
    KeyCommand("h", "h", "mode('power-home')", "home", "Power home", "cover the house's demand from the car"),
    KeyCommand("b", "b", "mode('balance')", "balance", "Balance", "soak up surplus and cover demand, both ways"),
    KeyCommand("f", "f", "fixed_current", "amps", "Fixed current…", "charge (+) or discharge (-) at exactly N A"),
    KeyCommand("t", "t", "choose_tariff", "tariff", "Choose tariff…", "select a tariff and enter SMART"),
    KeyCommand("a", "a", "add_event", "add", "Add schedule event…", "a mode change at a time, optionally repeating"),
    KeyCommand("e", "e", "edit_event", "edit", "Edit selected event…", "change the event selected in the schedule"),
    KeyCommand("x", "x", "delete_event", "delete", "Delete selected event", "remove the event selected in the schedule"),
    KeyCommand("space", "spc", "toggle_event", "on/off", "Enable/disable selected event", "switch the selected event on or off"),
    KeyCommand("g", "g", "set_target", "target", "Set SoC target…", "reach N % by a time, charging when it is cheapest"),
    KeyCommand("question_mark", "?", "help", "help", "Help", "the keys and what they do"),
    KeyCommand("q", "q", "request_quit", "quit", "Quit", "stop the charger, hand control back and exit"),
)
