"""Customer-message wording: every default renders in every language; own templates are
sandboxed and refused when they do not render."""

from __future__ import annotations

import pytest

from doorstep.adapters.message_templates import JinjaMessageTemplates
from doorstep.domain.errors import InvalidValue
from doorstep.domain.messages import LANGUAGES, TemplateText, Trigger
from doorstep.domain.notifications import Channel

FACTS = {
    "name": "Åsa", "reference": "R-77", "organisation": "Kuriiri Oy", "at": "14:05",
    "window_start": "14:00", "window_end": "14:30", "stops": 3, "reason": "recipient_absent",
    "tracking_url": "https://track.example/t/abc", "day": "Thursday 26.11.",
    "date": "2026-11-26", "windows": "10:00-12:00",
}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("trigger", list(Trigger))
def test_every_default_renders_with_its_facts(trigger: Trigger, language: str) -> None:
    """Subject and body come out filled in: the reference named, no template syntax left."""
    subject, body = JinjaMessageTemplates().render(trigger, Channel.SMS, language, FACTS)
    for text in (subject, body):
        assert "{" not in text
        assert "}" not in text
    assert "R-77" in body
    assert "Åsa" in body


def test_an_sms_default_fits_one_message() -> None:
    """With typical facts the English failed-attempt SMS, the longest, fits 320 characters."""
    _, body = JinjaMessageTemplates().render(Trigger.ATTEMPT_FAILED, Channel.SMS, "en", FACTS)
    assert len(body) <= 320


def test_own_templates_render_in_a_sandbox() -> None:
    """A template reaching for Python internals is refused, not run."""
    evil = TemplateText(
        Trigger.DELIVERED, Channel.SMS, "en", "", "{{ name.__class__.__mro__[1].__subclasses__() }}"
    )
    with pytest.raises(InvalidValue, match="template"):
        JinjaMessageTemplates().render(Trigger.DELIVERED, Channel.SMS, "en", FACTS, evil)


def test_a_template_that_does_not_parse_is_refused() -> None:
    """An unclosed tag names the trigger and channel in the error."""
    broken = TemplateText(Trigger.DELIVERED, Channel.EMAIL, "fi", "Hei", "{% if name %}Hei")
    with pytest.raises(InvalidValue, match="delivered/email"):
        JinjaMessageTemplates().render(Trigger.DELIVERED, Channel.EMAIL, "fi", FACTS, broken)


@pytest.mark.parametrize(
    ("language", "day", "subject", "body"),
    [
        (
            "en", "Thursday 26.11.", "Your parcel R-77 now comes on Thursday 26.11.",
            "Hi Åsa, the delivery of your parcel R-77 moved to Thursday 26.11., 10:00-12:00. "
            "Details: https://track.example/t/abc",
        ),
        (
            "fi", "torstaina 26.11.", "Lähetyksesi R-77 toimitus siirtyi",
            "Hei Åsa, lähetyksesi R-77 toimitus siirtyi: toimitamme sen torstaina 26.11. "
            "klo 10:00-12:00. Lisätiedot: https://track.example/t/abc",
        ),
        (
            "sv", "torsdag 26.11.", "Leveransen av ditt paket R-77 har flyttats",
            "Hej Åsa, leveransen av ditt paket R-77 har flyttats till torsdag 26.11. "
            "kl. 10:00-12:00. Mer information: https://track.example/t/abc",
        ),
    ],
)  # fmt: skip
def test_a_move_says_the_new_day_and_window(
    language: str, day: str, subject: str, body: str
) -> None:
    """The rescheduled default in each language, word for word; it fits one SMS."""
    facts = {**FACTS, "day": day}
    rendered = JinjaMessageTemplates().render(Trigger.RESCHEDULED, Channel.SMS, language, facts)
    assert rendered == (subject, body)
    assert len(body) <= 160


def test_a_move_without_a_window_or_link_says_the_day_alone() -> None:
    """An order without hours: the day, and no dangling comma or link text."""
    facts = {"name": "Åsa", "reference": "R-77", "day": "Friday 27.11.", "windows": ""}
    _, body = JinjaMessageTemplates().render(Trigger.RESCHEDULED, Channel.EMAIL, "en", facts)
    assert body == "Hi Åsa, the delivery of your parcel R-77 moved to Friday 27.11."
