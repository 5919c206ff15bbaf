"""Reading a dashboard definition (the JSON an analyst imports, the API receives or the editor posts) into
the model, collecting every problem with the panel and field it belongs to rather than stopping at the
first."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from citybase.dashboards.model import (
    DISTRICTS_PREFIX,
    MAX_PANELS,
    WIDTHS,
    ChartType,
    Definition,
    Measure,
    Panel,
    Sharing,
    Window,
)
from citybase.errors import Problem
from citybase.messages import N_, Message, message
from citybase.transform.periods import Frequency

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
TITLE_LENGTH = 200


def problem(panel: int | None, name: str, code: str, text: Message) -> Problem:
    """A problem located at `panels.<n>.<name>` (panels counted from 1) or at a dashboard field."""
    return Problem(code, text, row=panel, column=f"panels.{panel}.{name}" if panel else name)


def in_panel(number: int, title: str, text: Message) -> Message:
    """Prefix a panel problem with the panel's number and title, so a reader finds it."""
    return message(N_("Panel {number} ({title}): {problem}"), number=number, title=title or "—", problem=text)


def _choice(value: Any, allowed: Sequence[str]) -> str | None:
    text = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    return text if text in allowed else None


def _codes(value: Any) -> list[str]:
    """A list of codes from a JSON list or a comma-separated text."""
    items = value if isinstance(value, list) else str(value or "").replace("，", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def normalise_region(text: str) -> str:
    if text.lower().startswith(DISTRICTS_PREFIX):
        return DISTRICTS_PREFIX + text[len(DISTRICTS_PREFIX) :].strip()
    return text.strip()


def parse_window(value: Any, number: int, title: str, problems: list[Problem]) -> Window:
    """`{"last": 5}` or `{"from": "2015", "to": "2023"}`."""
    found = value if isinstance(value, Mapping) else {}
    if found.get("last") not in (None, ""):
        try:
            last = int(found["last"])
        except (TypeError, ValueError):
            last = 0
        if last < 1:
            problems.append(
                problem(
                    number,
                    "periods",
                    "invalid",
                    in_panel(number, title, message(N_("'last' must be a whole number of periods from 1"))),
                )
            )
        return Window(last=max(last, 1))
    start, end = str(found.get("from") or "").strip(), str(found.get("to") or "").strip()
    if not start or not end:
        problems.append(
            problem(
                number,
                "periods",
                "required",
                in_panel(
                    number,
                    title,
                    message(
                        N_("give the periods as the last N periods, or as a range from one period to another")
                    ),
                ),
            )
        )
        return Window(last=1)
    return Window(start=start, end=end)


def parse_panel(data: Any, number: int, problems: list[Problem]) -> Panel | None:
    """One panel from its JSON object; the shape is checked here, the codes against the store later."""
    if not isinstance(data, Mapping):
        problems.append(
            problem(number, "panel", "invalid", message(N_("Panel {number} is not an object"), number=number))
        )
        return None
    title = str(data.get("title") or "").strip()
    before = len(problems)

    def refuse(name: str, text: Message) -> None:
        problems.append(problem(number, name, "invalid", in_panel(number, title, text)))

    if len(title) > TITLE_LENGTH:
        refuse("title", message(N_("the title is longer than {count} characters"), count=TITLE_LENGTH))
    chart = _choice(data.get("chart"), [item.value for item in ChartType])
    if chart is None:
        refuse(
            "chart",
            message(
                N_("chart '{value}' is not one of {allowed}"),
                value=data.get("chart"),
                allowed=", ".join(ChartType),
            ),
        )
    measure = _choice(data.get("measure") or "level", [item.value for item in Measure])
    if measure is None:
        refuse(
            "measure",
            message(
                N_("measure '{value}' is not one of {allowed}"),
                value=data.get("measure"),
                allowed=", ".join(Measure),
            ),
        )
    frequency = _choice(data.get("frequency") or "year", [item.value for item in Frequency])
    if frequency is None:
        refuse(
            "frequency",
            message(
                N_("frequency '{value}' is not one of {allowed}"),
                value=data.get("frequency"),
                allowed=", ".join(Frequency),
            ),
        )
    indicators = [code.upper() for code in _codes(data.get("indicators"))]
    if not indicators:
        refuse("indicators", message(N_("name at least one indicator")))
    regions = [normalise_region(code) for code in _codes(data.get("regions"))]
    if not regions:
        refuse("regions", message(N_("name at least one region")))
    try:
        width = int(data.get("width") or 6)
    except (TypeError, ValueError):
        width = 0
    if width not in WIDTHS:
        refuse(
            "width",
            message(
                N_("width '{value}' is not one of {allowed}"),
                value=data.get("width"),
                allowed=", ".join(str(item) for item in WIDTHS),
            ),
        )
    window = parse_window(data.get("periods"), number, title, problems)
    if len(problems) > before or chart is None or measure is None or frequency is None:
        return None
    return Panel(
        title=title,
        chart=ChartType(chart),
        indicators=tuple(dict.fromkeys(indicators)),
        regions=tuple(dict.fromkeys(regions)),
        window=window,
        frequency=frequency,
        measure=Measure(measure),
        unit=str(data.get("unit") or "").strip(),
        width=width,
    )


def parse_definition(data: Any) -> tuple[Definition | None, list[Problem]]:
    """The definition and every problem of shape found in it (no problems means it parsed whole)."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return None, [problem(None, "definition", "invalid", message(N_("A dashboard is a JSON object")))]
    code = str(data.get("code") or "").strip().lower()
    if not CODE_PATTERN.match(code):
        problems.append(
            problem(
                None,
                "code",
                "invalid",
                message(
                    N_(
                        "The code '{value}' must be 2 to 64 lower-case letters, digits or hyphens, "
                        "starting with a letter or digit"
                    ),
                    value=code,
                ),
            )
        )
    title = str(data.get("title") or "").strip()
    if not title or len(title) > TITLE_LENGTH:
        problems.append(
            problem(
                None,
                "title",
                "required",
                message(N_("The dashboard needs a title of at most {count} characters"), count=TITLE_LENGTH),
            )
        )
    sharing = _choice(data.get("sharing") or "private", [item.value for item in Sharing])
    if sharing is None:
        problems.append(
            problem(
                None,
                "sharing",
                "invalid",
                message(
                    N_("Sharing '{value}' is not one of {allowed}"),
                    value=data.get("sharing"),
                    allowed=", ".join(Sharing),
                ),
            )
        )
    shared_with = tuple(sorted({code.upper() for code in _codes(data.get("shared_with"))}))
    raw_panels = data.get("panels") or []
    if not isinstance(raw_panels, list):
        raw_panels = []
        problems.append(problem(None, "panels", "invalid", message(N_("The panels must be a list"))))
    if len(raw_panels) > MAX_PANELS:
        problems.append(
            problem(
                None,
                "panels",
                "too_many",
                message(N_("A dashboard holds at most {count} panels"), count=MAX_PANELS),
            )
        )
    panels = [parse_panel(item, number, problems) for number, item in enumerate(raw_panels, start=1)]
    if problems:
        return None, problems
    return (
        Definition(
            code=code,
            title=title,
            description=str(data.get("description") or "").strip(),
            sharing=Sharing(sharing or "private"),
            shared_with=shared_with if sharing == Sharing.ORGANISATIONS.value else (),
            panels=tuple(panel for panel in panels if panel is not None),
        ),
        [],
    )
