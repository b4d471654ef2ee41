"""The HTML of the recipient's tracking page (Jinja2), kept in code so it ships with the wheel."""

TRACK_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; }
  body { padding: 0 1rem; } h1 { font-size: 1.4rem; } dt { color: #555; }
  dd { margin: 0 0 .8rem 0; font-weight: 600; } img { max-width: 100%; }
</style>
</head>
<body>
{% if view is none %}
<h1>This tracking link does not work</h1>
<p>It may have expired. Ask the sender for a new link.</p>
{% else %}
{% set prefs = view.preferences %}
<h1>{{ view.headline }}</h1>
<p>Your {{ view.kind.value }} from {{ view.shipper }} ({{ view.shipper_reference }})</p>
<dl>
{% if view.service_date %}
  <dt>Day</dt><dd>{{ view.service_date.strftime("%A %d %B %Y") }}</dd>
{% endif %}
{% if view.eta %}
  <dt>Expected between</dt>
  <dd>{{ view.eta.start_at.strftime("%H:%M") }} and {{ view.eta.end_at.strftime("%H:%M") }}</dd>
{% endif %}
{% if view.driver_first_name %}
  <dt>Your driver</dt><dd>{{ view.driver_first_name }}</dd>
{% endif %}
{% if view.stops_before is not none %}
  <dt>Stops before yours</dt><dd>{{ view.stops_before }}</dd>
{% endif %}
{% if view.vehicle %}
  <dt>The van was last seen</dt>
  <dd>at {{ view.vehicle.at.strftime("%H:%M") }}, near
    {{ "%.4f"|format(view.vehicle.location.lat) }},
    {{ "%.4f"|format(view.vehicle.location.lon) }}</dd>
{% endif %}
{% if prefs.safe_place %}<dt>If you are out</dt><dd>Leave it: {{ prefs.safe_place }}</dd>
{% elif prefs.neighbour %}<dt>If you are out</dt><dd>Give it to {{ prefs.neighbour }}</dd>
{% elif prefs.pickup_point %}<dt>If you are out</dt><dd>Pickup point {{ prefs.pickup_point }}</dd>
{% endif %}
</dl>
{% if view.proof %}
<h2>Proof of delivery</h2>
<p>{{ view.proof.at.strftime("%d %B %Y %H:%M") }}
{% if view.proof.recipient_name %}, received by {{ view.proof.recipient_name }}{% endif %}
{% if view.proof.where %}, {{ view.proof.where }}{% endif %}</p>
{% for sha in view.proof.files %}
<img src="{{ api }}/proof/{{ sha }}" alt="proof of delivery">
{% endfor %}
{% endif %}
{% if view.can_change_preferences %}
<h2>If you are out</h2>
<form data-post="preferences">
  <select name="choice">
    <option value="safe_place">Leave it in a safe place</option>
    <option value="neighbour">Give it to a neighbour</option>
    <option value="pickup_point">Take it to a pickup point</option>
    <option value="none">No preference</option>
  </select>
  <input name="note" maxlength="200" placeholder="The safe place, exactly">
  <input name="name" maxlength="100" placeholder="Neighbour's name">
  <input name="address" maxlength="150" placeholder="Neighbour's address">
  <input name="pickup_point_id" maxlength="100" placeholder="Pickup point">
  <button>Save</button>
</form>
<h2>Instructions for the driver</h2>
<form data-post="instructions">
  <textarea name="text" maxlength="300" required placeholder="Door code, floor"></textarea>
  <button>Add</button>
</form>
{% endif %}
{% if view.can_reschedule %}
<h2>Another day</h2>
<form data-post="reschedule"><select name="slot" id="slots"></select><button>Move</button></form>
{% endif %}
{% if view.can_change_preferences or view.can_reschedule %}
<p id="answer" role="status"></p>
<script>
/* Plain script: the forms post JSON to this link's API and reload the page. */
const api = {{ api|tojson }};
const answer = document.getElementById("answer");
const slots = document.getElementById("slots");
function label(s) { return s.date + " " + s.start_at.slice(11, 16) + "-" + s.end_at.slice(11, 16); }
if (slots) {
  fetch(api + "/slots?days=7").then(r => r.json()).then(found => {
    for (const s of found.items.filter(s => s.free > 0)) {
      slots.add(new Option(label(s), s.date + "|" + s.start_at));
    }
  });
}
for (const form of document.querySelectorAll("form[data-post]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let body = Object.fromEntries(new FormData(form));
    if (form.dataset.post === "reschedule") {
      const [date, start] = body.slot.split("|");
      body = {date: date, window_start: start};
    }
    const sent = await fetch(api + "/" + form.dataset.post, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    if (sent.ok) { location.reload(); return; }
    const problem = await sent.json();
    const free = (problem.next_free || []).map(label).join(", ");
    answer.textContent = problem.detail + (free ? " Free: " + free : "");
  });
}
</script>
{% endif %}
{% endif %}
</body>
</html>
"""
