# ruff: noqa: E501 - the page's HTML reads best with its elements on one line each
"""The HTML of the recipient's tracking page (Jinja2), kept in code so it ships with the wheel.

Mobile-first and whole without JavaScript: every change is a plain form that POSTs to
``/t/{token}/...`` and comes back to the page. ``/static/js/track.js`` only adds to it (the
status refreshes itself when the order changes; the "if you are out" form shows the fields
of the chosen option only). No inline script or style: the page's CSP forbids both.
"""

TRACK_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<meta name="color-scheme" content="light">
<title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/track.css">
</head>
<body class="track" data-page="{{ page }}"{% if view and view.status.value in live %} data-live="{{ api }}/stream"{% endif %}>
<main>
{% if view is none %}
<section class="panel status gone">
  <h1>This tracking link does not work</h1>
  <p>It may have expired. Ask the sender for a new link.</p>
</section>
{% else %}
{% set prefs = view.preferences %}
<p class="sender">Your {{ view.kind.value }} from {{ view.shipper }} <span class="ref">· {{ view.shipper_reference }}</span></p>

<div class="columns">
<div class="column">
{% if notice %}
<p class="notice {{ notice.kind }}" id="notice" role="{{ 'alert' if notice.kind == 'bad' else 'status' }}">{{ notice.text }}</p>
{% endif %}

<section class="panel status status-{{ view.status.value }}" id="status" aria-live="polite">
  <ol class="steps" aria-label="progress">
    {% for label in steps %}
    <li class="{{ 'done' if loop.index0 < step else ('now' if loop.index0 == step else '') }}">{{ label }}</li>
    {% endfor %}
  </ol>
  <h1 id="headline">{{ view.headline }}</h1>
  {% if view.eta %}
  <p class="eta-day">{{ when }}</p>
  <p class="eta" id="eta"><span class="num">{{ view.eta.start_at.strftime("%H:%M") }}</span><span class="dash">&ndash;</span><span class="num">{{ view.eta.end_at.strftime("%H:%M") }}</span></p>
  {% elif view.service_date %}
  <p class="eta-day">{{ when }}</p>
  {% endif %}
  <dl class="facts">
    {% if view.driver_first_name %}
    <div><dt>Your driver</dt><dd id="driver">{{ view.driver_first_name }}</dd></div>
    {% endif %}
    {% if view.stops_before is not none %}
    <div><dt>Stops before yours</dt><dd class="big" id="stops-before">{{ view.stops_before }}</dd></div>
    {% endif %}
    {% if view.partner %}
    <div class="wide"><dt>Delivered by our partner</dt><dd id="partner">{{ view.partner.carrier }}, tracking number {{ view.partner.tracking_number }}</dd></div>
    {% endif %}
    {% if view.vehicle %}
    <div class="wide"><dt>The van was last seen</dt>
      <dd>at {{ view.vehicle.at.strftime("%H:%M") }}, near
        {{ "%.4f"|format(view.vehicle.location.lat) }}, {{ "%.4f"|format(view.vehicle.location.lon) }}</dd></div>
    {% endif %}
    {% if prefs.safe_place %}<div class="wide"><dt>If you are out</dt><dd id="pref">Leave it: {{ prefs.safe_place }}</dd></div>
    {% elif prefs.neighbour %}<div class="wide"><dt>If you are out</dt><dd id="pref">Give it to {{ prefs.neighbour }}</dd></div>
    {% elif prefs.pickup_point %}<div class="wide"><dt>If you are out</dt><dd id="pref">Pickup point {{ prefs.pickup_point }}</dd></div>
    {% endif %}
    {% if view.has_access_notes %}<div class="wide"><dt>Instructions for the driver</dt><dd>Given, thank you</dd></div>{% endif %}
  </dl>
</section>

{% if view.proof %}
<section class="panel proof" id="proof">
  <h2>Proof of delivery</h2>
  <p>Delivered {{ view.proof.at.strftime("%d %B %Y at %H:%M") }}{% if view.proof.recipient_name %}, received by {{ view.proof.recipient_name }}{% endif %}{% if view.proof.where %}, {{ view.proof.where }}{% endif %}.</p>
  <div class="proof-files">
  {% for sha in view.proof.files %}
    <img src="{{ api }}/proof/{{ sha }}" alt="proof of delivery {{ loop.index }}">
  {% endfor %}
  </div>
</section>
{% endif %}

</div>
<div class="column">
{% if view.can_reschedule %}
<section class="panel" id="reschedule">
  <h2>Not at home then?</h2>
  {% if slots %}
  <p class="hint">Pick another time with room.</p>
  <form method="post" action="{{ page }}/reschedule" data-post="reschedule" class="slots">
    {% for day, day_slots in slots %}
    {% if loop.index0 == 2 and loop.length > 2 %}<details class="more-days"><summary>Later days</summary>{% endif %}
    <fieldset>
      <legend>{{ day.strftime("%A %d %B") }}</legend>
      <div class="slot-grid">
      {% for s in day_slots %}
      <label class="slot{{ ' current' if s.current else '' }}">
        <input type="radio" name="slot" value="{{ s.value }}" required{% if s.current %} disabled{% endif %}>
        <span>{{ s.start }}&ndash;{{ s.end }}</span>{% if s.current %}<small>yours now</small>{% endif %}
      </label>
      {% endfor %}
      </div>
    </fieldset>
    {% if loop.last and loop.length > 2 %}</details>{% endif %}
    {% endfor %}
    <button type="submit" class="primary">Move my delivery</button>
  </form>
  {% else %}
  <p class="hint">No other time has room in the next days. Ask the sender.</p>
  {% endif %}
</section>
{% endif %}

{% if view.can_change_preferences %}
<section class="panel" id="out">
  <h2>If you are out</h2>
  <form method="post" action="{{ page }}/preferences" data-post="preferences" class="choices">
    <label class="choice"><input type="radio" name="choice" value="safe_place"{% if prefs.safe_place or not (prefs.neighbour or prefs.pickup_point) %} checked{% endif %}> Leave it in a safe place</label>
    <div class="more" data-for="safe_place">
      <label>Where exactly <input name="note" maxlength="200" value="{{ prefs.safe_place }}" placeholder="e.g. behind the blue shed"></label>
    </div>
    <label class="choice"><input type="radio" name="choice" value="neighbour"{% if prefs.neighbour %} checked{% endif %}> Give it to a neighbour</label>
    <div class="more" data-for="neighbour">
      <label>Their name <input name="name" maxlength="100" autocomplete="off"></label>
      <label>Their address <input name="address" maxlength="150" autocomplete="off"></label>
    </div>
    <label class="choice"><input type="radio" name="choice" value="pickup_point"{% if prefs.pickup_point %} checked{% endif %}> Take it to a pickup point</label>
    <div class="more" data-for="pickup_point">
      <label>Pickup point <input name="pickup_point_id" maxlength="100" value="{{ prefs.pickup_point }}"></label>
    </div>
    <label class="choice"><input type="radio" name="choice" value="none"> No preference</label>
    <button type="submit" class="primary">Save</button>
  </form>
</section>

<section class="panel" id="instructions">
  <h2>Instructions for the driver</h2>
  <form method="post" action="{{ page }}/instructions" data-post="instructions">
    <label>Door code, floor, how to find the door
      <textarea name="text" maxlength="300" rows="3" required></textarea></label>
    <p class="hint">Only the driver sees these; this page never shows them again.</p>
    <button type="submit">Add instructions</button>
  </form>
</section>
{% endif %}

</div>
</div>
<p class="foot">This link works until {{ view.link_expires_at.strftime("%d %B %Y") }}.</p>
{% endif %}
</main>
<script type="module" src="/static/js/track.js"></script>
</body>
</html>
"""
