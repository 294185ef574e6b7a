"""What the owner can ask for, as app actions: the keys, the command palette and the forms all end here.

A mixin of the app (EvseApp) so the app module keeps to starting, rendering and leaving. Commands go
to the engine through `Engine.submit`; a refusal comes back as a notification or, in a form, inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import Future
from datetime import timedelta

from textual.app import SystemCommand
from textual.screen import Screen

from evse_tui.control.modes import CommandError, Mode, ModeCommand, parse_mode
from evse_tui.engine import commands as c
from evse_tui.engine.snapshot import EventView
from evse_tui.tariffs.registry import tariff_from_config, tariff_names
from evse_tui.ui.bridge import CommandAnswered
from evse_tui.ui.forms import EventFields, fields_from_view, target_fields
from evse_tui.ui.keys import KEYS
from evse_tui.ui.screens import ConfirmScreen, EventFormScreen, FixedCurrentScreen, HelpScreen, TariffScreen, TargetScreen

ANSWER_WITHIN_S = 10.0
NO_ENGINE = "this screen shows a fixed snapshot: there is no engine to command"


class OwnerCommands:
    """Needs from the app: `engine`, `snapshot`, `main`, `now()`, `_exiting` and Textual's App methods."""

    @property
    def limits(self) -> tuple[int, int]:
        if self.engine is None:
            return 32, 32
        wallbox = self.engine.config.wallbox
        return wallbox.max_charge_current, wallbox.max_discharge_current

    def send(self, command: c.Command) -> Future | None:
        """Submit a command; a refusal comes back as a notification."""
        if self._exiting:
            return None
        if self.engine is None:
            self.notify(NO_ENGINE, severity="warning")
            return None
        future = self.engine.submit(command)
        future.add_done_callback(lambda f: self._answered(command, f))
        return future

    def _answered(self, command: c.Command, future: Future) -> None:
        try:
            result = future.result()
        except Exception as exc:
            result = c.CommandResult(False, str(exc))
        try:
            self.post_message(CommandAnswered(command, result))
        except RuntimeError:
            pass

    def on_command_answered(self, message: CommandAnswered) -> None:
        result = message.result
        if not result.ok:
            self.notify(result.message, title="refused", severity="error", timeout=8)
        elif not isinstance(message.command, c.SetMode):
            self.notify(result.message, timeout=4)

    async def ask(self, command: c.Command) -> c.CommandResult:
        """Submit and wait for the engine's answer (the forms show a refusal inline)."""
        if self.engine is None:
            return c.CommandResult(False, NO_ENGINE)
        future = self.engine.submit(command)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), ANSWER_WITHIN_S)
        except asyncio.TimeoutError:
            return c.CommandResult(False, f"the control loop did not answer within {ANSWER_WITHIN_S:.0f} s")

    def action_mode(self, word: str) -> None:
        try:
            command = parse_mode(word, *self.limits)
        except CommandError as exc:
            self.notify(str(exc), title="refused", severity="error")
            return
        self.send(c.SetMode(command))

    def action_smart_with(self, tariff: str) -> None:
        self.send(c.SetMode(ModeCommand(Mode.SMART, tariff=tariff)))

    def action_fixed_current(self) -> None:
        def chosen(command: ModeCommand | None) -> None:
            if command is not None:
                self.send(c.SetMode(command))

        self.push_screen(FixedCurrentScreen(*self.limits), chosen)

    def tariff_choices(self) -> list[tuple[str, str]]:
        now = self.now()
        settings = self.engine.config.tariffs if self.engine is not None else {}
        choices = []
        for name in tariff_names():
            try:
                tariff = tariff_from_config(name, settings)
                rates = tariff.rates_at(now)
                about = f"{tariff.period_name(now)} now: {rates.import_p:.1f}p in · {rates.export_p:.1f}p out"
            except Exception as exc:  # a tariff that cannot be built is still listed, with why
                about = f"unavailable: {exc}"
            choices.append((name, about))
        return choices

    def action_choose_tariff(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.action_smart_with(name)

        self.push_screen(TariffScreen(self.tariff_choices(), self.snapshot.tariff), chosen)

    def action_add_event(self) -> None:
        start = (self.now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        fields = EventFields(when=f"{start:%Y-%m-%d %H:%M}", mode="")
        self.push_screen(EventFormScreen(self.ask, self.now, *self.limits, fields))

    def _selected_or_say(self) -> EventView | None:
        view = self.main.selected_event()
        if view is None:
            self.notify("no event selected: the schedule is empty (a adds one)", severity="warning")
        return view

    def action_edit_event(self) -> None:
        view = self._selected_or_say()
        if view is not None:
            self.push_screen(EventFormScreen(self.ask, self.now, *self.limits, fields_from_view(view), view.id))

    def action_delete_event(self) -> None:
        view = self._selected_or_say()
        if view is None:
            return
        when = "no further occurrence" if view.when is None else f"{view.when:%a %d %b %H:%M}"

        def answer(yes: bool | None) -> None:
            if yes:
                self.send(c.DeleteEvent(view.id))

        body = f"{view.id}: {view.action} at {when} {view.condition} {view.repeat}".strip()
        self.push_screen(ConfirmScreen(f"Delete scheduled event {view.id}?", body, "Delete", "Keep"), answer)

    def action_toggle_event(self) -> None:
        view = self._selected_or_say()
        if view is not None:
            self.send(c.ToggleEvent(view.id))

    def action_set_target(self) -> None:
        target = self.snapshot.target
        about = "No target set." if target is None else f"Now: {target.soc}% by {target.deadline:%a %H:%M}: {target.status}"
        self.push_screen(TargetScreen(self.ask, self.now, lambda: self.snapshot.soc, target_fields(target), about))

    def action_cancel_target(self) -> None:
        self.send(c.CancelTarget())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Ctrl+P: every command by name (the keys' table, each tariff, cancelling a target)."""
        for key in KEYS:
            yield SystemCommand(f"{key.title} ({key.shown})", key.help, self._runner(key.action))
        for name in tariff_names():
            yield SystemCommand(f"Smart with {name}", f"select {name} and enter SMART", self._runner(f"smart_with('{name}')"))
        yield SystemCommand("Cancel the SoC target", "forget the target; the mode decides again", self.action_cancel_target)
        for command in super().get_system_commands(screen):
            if command.title.lower().startswith("quit"):
                continue  # ours above stops the charger first
            yield command

    def _runner(self, action: str):
        async def run() -> None:
            await self.run_action(action)

        return run
