"""Customer messages in words: doorstep's default wording per language, and Jinja2 rendering.

Organisations write their own templates, so they render in Jinja2's sandbox (no attribute
access to Python internals, no file or module access) with only the message's facts in scope.
An undefined name renders empty rather than failing a message the customer is waiting for;
a template that does not even parse is refused when it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from doorstep.domain.errors import InvalidValue
from doorstep.domain.messages import TemplateText, Trigger
from doorstep.domain.notifications import Channel

T = Trigger
# (subject, body) per trigger and language; SMS sends the body alone and stays under 160
# characters with typical facts. A day (``day_words``) ends in its own dot: "26.11." ends
# the sentence too.
_DEFAULTS: dict[str, dict[Trigger, tuple[str, str]]] = {
    "en": {
        T.ORDER_RECEIVED: (
            "Your parcel {{ reference }} is at our station",
            "Hi {{ name }}, your parcel {{ reference }} from {{ organisation }} is at our "
            "station. We will tell you when it is on its way.",
        ),
        T.OUT_FOR_DELIVERY: (
            "Your parcel {{ reference }} is on its way",
            "Hi {{ name }}, your parcel {{ reference }} is out for delivery today"
            "{% if window_start %} between {{ window_start }} and {{ window_end }}{% endif %}."
            "{% if tracking_url %} Follow it: {{ tracking_url }}{% endif %}",
        ),
        T.STOPS_AWAY: (
            "Your parcel {{ reference }} is {{ stops }} stops away",
            "Hi {{ name }}, the driver is {{ stops }} stops away: expect your parcel "
            "{{ reference }} between {{ window_start }} and {{ window_end }}."
            "{% if tracking_url %} Follow it: {{ tracking_url }}{% endif %}",
        ),
        T.DELIVERED: (
            "Your parcel {{ reference }} was delivered",
            "Hi {{ name }}, your parcel {{ reference }} was delivered at {{ at }}.",
        ),
        T.ATTEMPT_FAILED: (
            "We could not deliver your parcel {{ reference }}",
            "Hi {{ name }}, we could not deliver your parcel {{ reference }} at {{ at }}"
            "{% if reason %} ({{ reason | replace('_', ' ') }}){% endif %}. We will try again "
            "on the next delivery day{% if tracking_url %}; choose what suits you: "
            "{{ tracking_url }}{% endif %}.",
        ),
        T.DELAYED: (
            "Your parcel {{ reference }} is running late",
            "Hi {{ name }}, sorry: your parcel {{ reference }} is running late. New estimate: "
            "{{ window_start }}-{{ window_end }}."
            "{% if tracking_url %} Follow it: {{ tracking_url }}{% endif %}",
        ),
        T.RESCHEDULED: (
            "Your parcel {{ reference }} now comes on {{ day }}",
            "Hi {{ name }}, the delivery of your parcel {{ reference }} moved to {{ day }}"
            "{% if windows %}, {{ windows }}.{% endif %}"
            "{% if tracking_url %} Details: {{ tracking_url }}{% endif %}",
        ),
    },
    "fi": {
        T.ORDER_RECEIVED: (
            "Lähetyksesi {{ reference }} on terminaalissa",
            "Hei {{ name }}, lähetyksesi {{ reference }} ({{ organisation }}) on saapunut "
            "terminaaliimme. Kerromme, kun se on matkalla.",
        ),
        T.OUT_FOR_DELIVERY: (
            "Lähetyksesi {{ reference }} on matkalla",
            "Hei {{ name }}, lähetyksesi {{ reference }} toimitetaan tänään"
            "{% if window_start %} klo {{ window_start }}-{{ window_end }}{% endif %}."
            "{% if tracking_url %} Seuraa: {{ tracking_url }}{% endif %}",
        ),
        T.STOPS_AWAY: (
            "Kuljettaja on {{ stops }} pysähdyksen päässä",
            "Hei {{ name }}, kuljettaja on {{ stops }} pysähdyksen päässä: lähetyksesi "
            "{{ reference }} saapuu klo {{ window_start }}-{{ window_end }}."
            "{% if tracking_url %} Seuraa: {{ tracking_url }}{% endif %}",
        ),
        T.DELIVERED: (
            "Lähetyksesi {{ reference }} on toimitettu",
            "Hei {{ name }}, lähetyksesi {{ reference }} toimitettiin klo {{ at }}.",
        ),
        T.ATTEMPT_FAILED: (
            "Emme voineet toimittaa lähetystäsi {{ reference }}",
            "Hei {{ name }}, emme voineet toimittaa lähetystäsi {{ reference }} klo {{ at }}. "
            "Yritämme uudelleen seuraavana jakelupäivänä"
            "{% if tracking_url %}; valitse sinulle sopiva tapa: {{ tracking_url }}{% endif %}.",
        ),
        T.DELAYED: (
            "Lähetyksesi {{ reference }} myöhästyy",
            "Hei {{ name }}, pahoittelemme: lähetyksesi {{ reference }} myöhästyy. Uusi arvio: "
            "klo {{ window_start }}-{{ window_end }}."
            "{% if tracking_url %} Seuraa: {{ tracking_url }}{% endif %}",
        ),
        T.RESCHEDULED: (
            "Lähetyksesi {{ reference }} toimitus siirtyi",
            "Hei {{ name }}, lähetyksesi {{ reference }} toimitus siirtyi: toimitamme sen "
            "{{ day }}{% if windows %} klo {{ windows }}.{% endif %}"
            "{% if tracking_url %} Lisätiedot: {{ tracking_url }}{% endif %}",
        ),
    },
    "sv": {
        T.ORDER_RECEIVED: (
            "Ditt paket {{ reference }} finns på vår terminal",
            "Hej {{ name }}, ditt paket {{ reference }} från {{ organisation }} har kommit "
            "till vår terminal. Vi meddelar när det är på väg.",
        ),
        T.OUT_FOR_DELIVERY: (
            "Ditt paket {{ reference }} är på väg",
            "Hej {{ name }}, ditt paket {{ reference }} levereras i dag"
            "{% if window_start %} kl. {{ window_start }}-{{ window_end }}{% endif %}."
            "{% if tracking_url %} Följ den: {{ tracking_url }}{% endif %}",
        ),
        T.STOPS_AWAY: (
            "Föraren är {{ stops }} stopp bort",
            "Hej {{ name }}, föraren är {{ stops }} stopp bort: ditt paket {{ reference }} "
            "kommer kl. {{ window_start }}-{{ window_end }}."
            "{% if tracking_url %} Följ den: {{ tracking_url }}{% endif %}",
        ),
        T.DELIVERED: (
            "Ditt paket {{ reference }} har levererats",
            "Hej {{ name }}, ditt paket {{ reference }} levererades kl. {{ at }}.",
        ),
        T.ATTEMPT_FAILED: (
            "Vi kunde inte leverera ditt paket {{ reference }}",
            "Hej {{ name }}, vi kunde inte leverera ditt paket {{ reference }} kl. {{ at }}. "
            "Vi försöker igen nästa leveransdag"
            "{% if tracking_url %}; välj vad som passar dig: {{ tracking_url }}{% endif %}.",
        ),
        T.DELAYED: (
            "Ditt paket {{ reference }} är försenat",
            "Hej {{ name }}, tyvärr är ditt paket {{ reference }} försenat. Ny uppskattning: "
            "kl. {{ window_start }}-{{ window_end }}."
            "{% if tracking_url %} Följ den: {{ tracking_url }}{% endif %}",
        ),
        T.RESCHEDULED: (
            "Leveransen av ditt paket {{ reference }} har flyttats",
            "Hej {{ name }}, leveransen av ditt paket {{ reference }} har flyttats till "
            "{{ day }}{% if windows %} kl. {{ windows }}.{% endif %}"
            "{% if tracking_url %} Mer information: {{ tracking_url }}{% endif %}",
        ),
    },
}


class JinjaMessageTemplates:
    """``services.ports.MessageTemplates`` with Jinja2's sandbox."""

    def __init__(self) -> None:
        # Plain text, not HTML: no autoescaping (an e-mail's HTML part would need its own).
        self._env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)

    def render(
        self,
        trigger: Trigger,
        channel: Channel,
        language: str,
        facts: Mapping[str, object],
        own: TemplateText | None = None,
    ) -> tuple[str, str]:
        subject, body = (own.subject, own.body) if own else default(trigger, language)
        try:
            return (
                self._env.from_string(subject).render(**facts).strip(),
                self._env.from_string(body).render(**facts).strip(),
            )
        except TemplateError as error:
            raise InvalidValue("template", f"{trigger.value}/{channel.value}: {error}") from None


def default(trigger: Trigger, language: str) -> tuple[str, str]:
    """doorstep's own wording; English where a language lacks one."""
    return _DEFAULTS.get(language, _DEFAULTS["en"]).get(trigger) or _DEFAULTS["en"][trigger]
