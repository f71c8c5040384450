"""Griffe extension: one table row per parameter for grouped numpy entries.

pairmatch's docstrings describe related parameters together (``time_limit, workers, seed:``
followed by one description). Griffe gives every name in such a group the type and default
of the first one, so the API reference would show ``seed: float | None = None``. This
extension rewrites a group, in the text of the docstring before it is parsed, into one
entry per name with the same description, so each row takes its own type and default from
the signature.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SECTIONS = {"parameters", "other parameters"}
_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_GROUP = re.compile(
    r"^(?P<indent>\s*)(?P<names>\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)+)(?P<rest>\s*(?::.*)?)$"
)


def split_groups(text: str) -> str:
    """``text`` with every grouped entry of a Parameters section written out per name."""
    lines = text.split("\n")
    out: list[str] = []
    section: str | None = None
    indent: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1]) and line.strip():
            section = line.strip().lower()
            indent = line[: len(line) - len(line.lstrip())]
            out += [line, lines[i + 1]]
            i += 2
            continue
        match = _GROUP.match(line)
        if section in _SECTIONS and match and match.group("indent") == indent:
            body = []
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith(indent + " ")):
                body.append(lines[j])
                j += 1
            while body and not body[-1].strip():
                body.pop()
            rest = match.group("rest")
            for name in re.split(r"\s*,\s*", match.group("names")):
                out.append(f"{indent}{name}{rest}")
                out += body
            i += 1 + len(body)  # blank lines after the entry are copied as they are
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class SplitGroupedParameters(griffe.Extension):
    """Write grouped numpy parameter entries out one name at a time."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and "," in obj.docstring.value:
            obj.docstring.value = split_groups(obj.docstring.value)
