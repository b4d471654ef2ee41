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
    "tracking_url": "https://track.example/t/abc",
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
