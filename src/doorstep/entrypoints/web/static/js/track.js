// The tracking page without reloading: it works whole without this file (plain forms that
// post back to the page); with it, the status refreshes itself when the order changes, and
// the "if you are out" form shows only the fields of the option chosen.
// No imports from app.js: this page has no login, no page data and no API helpers to share.

const body = document.body;

// Show the fields under the chosen option; the others stay in the form, hidden, so a
// browser without this script still sees and sends all of them.
function followChoice(form) {
  const show = () => {
    const chosen = form.querySelector('input[name="choice"]:checked');
    for (const more of form.querySelectorAll(".more")) {
      more.hidden = !chosen || more.dataset.for !== chosen.value;
    }
  };
  form.addEventListener("change", show);
  show();
}

// The server renders the status; on a change, fetch the page again and put its status in
// place of ours. Nothing is swapped while the person is typing in a form.
function listen(streamPath) {
  let busy = false;
  const refresh = async () => {
    if (busy || document.activeElement?.closest("form")) return;
    busy = true;
    try {
      const answer = await fetch(body.dataset.page, { headers: { Accept: "text/html" } });
      if (!answer.ok) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const next = fresh.getElementById("status");
      const now = document.getElementById("status");
      if (next && now) now.replaceWith(next);
      // A step that ends what the page offers (out for delivery, delivered): show the
      // page as it is now, forms and proof included.
      const offered = (doc) => [...doc.querySelectorAll("form[data-post]")].map((f) => f.dataset.post).join();
      if (offered(fresh) !== offered(document) || Boolean(fresh.getElementById("proof")) !== Boolean(document.getElementById("proof"))) {
        location.reload();
      }
    } finally {
      busy = false;
    }
  };
  const source = new EventSource(streamPath);
  source.onmessage = refresh;
  // A link that stopped working (expired, replaced) answers 404: stop asking.
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) source.close(); };
}

const preferences = document.querySelector('form[data-post="preferences"]');
if (preferences) followChoice(preferences);
if (body.dataset.live) listen(body.dataset.live);

// After a change the address carries ?done=...: drop it, so a reload does not repeat the
// message (the change itself was a POST and is never sent again by a reload).
if (location.search.includes("done=")) history.replaceState(null, "", body.dataset.page);
