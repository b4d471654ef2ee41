// API keys: list, create (the secret is in that one answer only, so it is shown once with
// a copy button and never again), revoke.
import { $, api, describe, el, toast } from "./app.js";
import { chosenRoles, roleBoxes, roleLabel } from "./settings-roles.js";

export async function showKeys() {
  roleBoxes($('[data-roles="new-key"]'), ["viewer"]);
  $("#key-form").addEventListener("submit", createKey);
  $("#copy-secret").addEventListener("click", copySecret);
  $("#hide-secret").addEventListener("click", hideSecret);
  await reload();
}

async function reload() {
  const keys = await api("api-keys");
  keys.sort((a, b) => Number(Boolean(a.revoked_at)) - Number(Boolean(b.revoked_at)) || b.created_at.localeCompare(a.created_at));
  $("#keys-table tbody").replaceChildren(...keys.map(keyRow));
  if (keys.length === 0) {
    $("#keys-table tbody").append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No keys yet.")));
  }
}

function keyRow(key) {
  const revoked = Boolean(key.revoked_at);
  return el("tr", { dataset: { key: key.name }, class: revoked ? "inactive" : "" },
    el("td", { "data-label": "Name" }, key.name),
    el("td", { "data-label": "Key starts" }, el("code", {}, `${key.prefix}…`)),
    el("td", { "data-label": "Roles" }, el("div", { class: "role-badges" }, ...key.roles.map((r) => el("span", { class: "badge" }, roleLabel(r))))),
    el("td", { "data-label": "Made", class: "num" }, day(key.created_at)),
    el("td", { "data-label": "Status" }, revoked
      ? el("span", { class: "badge bad" }, `revoked ${day(key.revoked_at)}`)
      : el("span", { class: "badge ok" }, "active")),
    el("td", { class: "row-actions" }, revoked ? null
      : el("button", { type: "button", class: "danger revoke", onclick: () => revoke(key) }, "Revoke")),
  );
}

function day(iso) {
  return new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

async function createKey(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.elements.name.value.trim(), roles: chosenRoles(form) };
  if (body.roles.length === 0) { toast("Pick at least one role", "bad"); return; }
  try {
    const made = await api("api-keys", { method: "POST", body });
    $("#secret-value").textContent = made.secret;
    $("#new-secret").hidden = false;
    form.reset();
    roleBoxes($('[data-roles="new-key"]'), ["viewer"]);
    $("#add-key").open = false;
    await reload();
    $("#new-secret").scrollIntoView({ block: "center" });
  } catch (error) {
    toast(describe(error), "bad");
  }
}

async function copySecret() {
  const secret = $("#secret-value").textContent;
  try {
    await navigator.clipboard.writeText(secret);
    toast("Key copied", "ok");
  } catch {
    // No clipboard (an insecure origin, or refused): select it for Ctrl+C instead.
    getSelection().selectAllChildren($("#secret-value"));
    toast("Select and copy the key by hand (Ctrl+C)");
  }
}

// Once hidden the secret is gone from the page too: nothing keeps it.
function hideSecret() {
  $("#secret-value").textContent = "";
  $("#new-secret").hidden = true;
}

async function revoke(key) {
  if (!confirm(`Revoke "${key.name}"? Requests with it fail from now on.`)) return;
  try {
    await api(`api-keys/${key.id}`, { method: "DELETE" });
    toast(`${key.name} revoked`, "ok");
    await reload();
  } catch (error) {
    toast(describe(error), "bad");
  }
}
