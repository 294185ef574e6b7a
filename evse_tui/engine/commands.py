"""Everything the owner can ask of the engine, as values. The engine's one way in is `Engine.submit`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Union

from evse_tui.control.modes import ModeCommand

if TYPE_CHECKING:
    from evse_tui.scheduler.events import ScheduledEvent


@dataclass(frozen=True, slots=True)
class SetMode:
    command: ModeCommand


@dataclass(frozen=True, slots=True)
class AddEvent:
    event: ScheduledEvent


@dataclass(frozen=True, slots=True)
class EditEvent:
    event_id: str
    event: ScheduledEvent


@dataclass(frozen=True, slots=True)
class DeleteEvent:
    event_id: str


@dataclass(frozen=True, slots=True)
class ToggleEvent:
    event_id: str


@dataclass(frozen=True, slots=True)
class SetTarget:
    """Reach `soc` % by `deadline` (local time)."""

    soc: int
    deadline: datetime


@dataclass(frozen=True, slots=True)
class CancelTarget:
    pass


Command = Union[SetMode, AddEvent, EditEvent, DeleteEvent, ToggleEvent, SetTarget, CancelTarget]


@dataclass(frozen=True, slots=True)
class CommandResult:
    ok: bool
    message: str
