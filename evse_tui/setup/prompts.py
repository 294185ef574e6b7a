"""Questions on a terminal: a default taken with Enter, answers checked on the spot and asked again.

Plain `input()` and `getpass()` underneath, so the set-up works on any terminal, over ssh, and under a
pseudo-terminal in the tests.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TextIO, TypeVar

T = TypeVar("T")
CLEAR = ("-", "none")  # typed to empty an optional setting


class SetupAborted(Exception):
    """The owner ended the input (Ctrl-D) or said no to writing; nothing is saved."""


class Prompter:
    def __init__(
        self,
        read: Callable[[str], str] = input,
        read_secret: Callable[[str], str] = getpass.getpass,
        out: TextIO | None = None,
    ) -> None:
        self._read = read
        self._read_secret = read_secret
        self._out = out or sys.stdout

    def say(self, text: str = "") -> None:
        print(text, file=self._out, flush=True)

    def refuse(self, reason: str) -> None:
        self.say(f"  not accepted: {reason}")

    def _line(self, prompt: str, secret: bool = False) -> str:
        try:
            return (self._read_secret if secret else self._read)(prompt).strip()
        except EOFError:
            self.say()
            raise SetupAborted("input ended") from None

    def ask(self, question: str, default: str | None, check: Callable[[str], T], *, optional: bool = False) -> T:
        """Ask until `check(answer)` returns; it raises ValueError (ConfigError is one) with the reason.

        Enter takes `default`; with `optional`, "-" or "none" gives `check` an empty answer.
        """
        hint = " (- for none)" if optional else ""
        shown = f" [{default}]" if default not in (None, "") else ""
        while True:
            answer = self._line(f"{question}{hint}{shown}: ")
            if answer == "":
                if default in (None, ""):
                    if not optional:
                        self.refuse("an answer is needed")
                        continue
                answer = default or ""
            elif optional and answer.lower() in CLEAR:
                answer = ""
            try:
                return check(answer)
            except ValueError as exc:
                self.refuse(str(exc))

    def ask_secret(self, question: str, has_current: bool, *, required: bool) -> str | None:
        """Typed without echo; Enter keeps the current secret (None is returned for "keep")."""
        hint = " (hidden; Enter keeps the current one)" if has_current else " (hidden)"
        while True:
            answer = self._line(f"{question}{hint}: ", secret=True)
            if answer:
                return answer
            if has_current:
                return None
            if not required:
                return ""
            self.refuse("an answer is needed")

    def yes_no(self, question: str, default: bool) -> bool:
        shown = "[Y/n]" if default else "[y/N]"
        while True:
            answer = self._line(f"{question} {shown}: ").lower()
            if answer == "":
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.refuse(f"{answer!r}: answer y or n")
