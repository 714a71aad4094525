"""The inline templates whose words belong to a lead's sentence, rendered as those words.

``{{lang}}``, ``{{convert}}``, ``{{circa}}``, ``{{start date}}`` and the like show words
in the sentence; :func:`inline_text` gives those words from the template's arguments,
and "" for every other template. What a rendered template would add around its words (a
"French:" label, a converted unit, a date's hidden ISO form) is left out on purpose: a
table of labels that grew over time would change the text of revisions read before, and
the words are what the sentiment is about.
"""

from __future__ import annotations

from collections.abc import Callable

Arguments = dict[str, str]
EN_DASH, EM_DASH, TIMES = "\N{EN DASH}", "\N{EM DASH}", "\N{MULTIPLICATION SIGN}"
MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _positional(arguments: Arguments) -> list[str]:
    values = []
    while str(len(values) + 1) in arguments:
        values.append(arguments[str(len(values) + 1)])
    return values


def _first(arguments: Arguments) -> str:
    return arguments.get("1", "")


def _second(arguments: Arguments) -> str:
    return arguments.get("2", "")


def _last(arguments: Arguments) -> str:
    values = _positional(arguments)
    return values[-1] if values else ""


def _joined(arguments: Arguments) -> str:
    """{{sic|Conc|encus}} splits a misspelt word so bots leave it alone: "Concencus"."""
    return "".join(_positional(arguments))


def _interlanguage(arguments: Arguments) -> str:
    return arguments.get("lt") or _first(arguments)


def _date(year: str, month: str, day: str, *, day_first: bool) -> str:
    """A date as "4 February 2004" or "February 4, 2004", missing parts left out; a month
    that is not a number 1-12 is shown as written ("May")."""
    if month.isdigit() and 1 <= int(month) <= 12:
        month = MONTHS[int(month) - 1]
    day = str(int(day)) if day.isdigit() else day
    if not (month and day):
        return " ".join(part for part in (month, year) if part)
    return f"{day} {month} {year}" if day_first else f"{month} {day}, {year}"


def _start_date(arguments: Arguments) -> str:
    """{{start date|2004|2|4}}: "February 4, 2004", or "4 February 2004" with df=y. The
    "... and age" variants' age is left out: it depends on the day the text is read."""
    year, month, day = (arguments.get(key, "") for key in ("1", "2", "3"))
    day_first = arguments.get("df", "").lower() in ("y", "yes")
    return _date(year, month, day, day_first=day_first)


def _as_of(arguments: Arguments) -> str:
    """{{As of|2024|5|3}}: "As of 3 May 2024" ("May 3, 2024" with df=US), lower case
    with lc=y, or the alt text instead."""
    if arguments.get("alt"):
        return arguments["alt"]
    year, month, day = (arguments.get(key, "") for key in ("1", "2", "3"))
    day_first = arguments.get("df", "").lower() != "us"
    words = "as of" if arguments.get("lc") else "As of"
    return f"{words} {_date(year, month, day, day_first=day_first)}"


# {{convert|5|to|10|km}}: the words between the two values of a range.
_RANGES = {
    "-": EN_DASH,
    EN_DASH: EN_DASH,
    "to": " to ",
    "to(-)": " to ",
    "and": " and ",
    "and(-)": " and ",
    "or": " or ",
    "by": " by ",
    "x": f" {TIMES} ",
    TIMES: f" {TIMES} ",
    "+/-": " ± ",
    "±": " ± ",
}


def _convert(arguments: Arguments) -> str:
    """{{convert|5|km|mi}}: the value and unit as written, "5 km" (the converted value in
    brackets is left out); a range, {{convert|5|to|10|km}}: "5 to 10 km"."""
    values = _positional(arguments)
    if len(values) >= 4 and values[1] in _RANGES:
        return f"{values[0]}{_RANGES[values[1]]}{values[2]} {values[3]}"
    return " ".join(values[:2])


def _nihongo(arguments: Arguments) -> str:
    """{{nihongo|Sony Group Corporation|ソニーグループ株式会社|Sonī Gurūpu}}: the English
    name, then the Japanese and its romanisation in brackets (without the "Hepburn:"
    label, as language labels are left out)."""
    english, japanese, romaji = (arguments.get(key, "") for key in ("1", "2", "3"))
    head = english or japanese
    inside = [part for part in (japanese if english else "", romaji) if part]
    return f"{head} ({', '.join(inside)})" if inside else head


def _prefixed(prefix: str) -> Callable[[Arguments], str]:
    return lambda arguments: f"{prefix}{_first(arguments)}"


def _constant(text: str) -> Callable[[Arguments], str]:
    return lambda arguments: text


_TEMPLATES: dict[str, Callable[[Arguments], str]] = {
    # The words in another language; the language's name, which {{langx}} and {{lang-fr}}
    # show as a "French:" label, is left out.
    "lang": _second,
    "langx": _second,
    "transl": _last,
    "transliteration": _last,
    "nihongo": _nihongo,
    # Formatting around words.
    **dict.fromkeys(
        "nowrap nobr small smaller big larger em strong nobold noitalic sc small caps".split(),
        _first,
    ),
    "abbr": _first,
    "sic": _joined,
    "ill": _interlanguage,
    "interlanguage link": _interlanguage,
    # Amounts, dates and units.
    "us$": _prefixed("US$"),
    "usd": _prefixed("US$"),
    "circa": _prefixed("c. "),
    "c.": _prefixed("c. "),
    "as of": _as_of,
    **dict.fromkeys(
        [
            "start date",
            "start date and age",
            "end date",
            "birth date",
            "birth date and age",
            "death date",
            "death date and age",
        ],
        _start_date,
    ),
    "convert": _convert,
    "cvt": _convert,
    # Punctuation.
    "'": _constant("'"),
    "'s": _constant("'s"),
    "ndash": _constant(EN_DASH),
    "mdash": _constant(EM_DASH),
    **dict.fromkeys(
        ["snd", "spnd", "sndash", "spaced ndash", "spaced en dash"], _constant(f" {EN_DASH} ")
    ),
    "nbsp": _constant(" "),
}


def inline_text(name: str, arguments: Arguments) -> str:
    """The words template ``name`` (lower case, spaces collapsed) shows with
    ``arguments`` (argument name -> text), or "" for a template that shows none here."""
    render = _TEMPLATES.get(name)
    if render is None and name.startswith("lang-"):
        render = _first
    return render(arguments) if render is not None else ""
