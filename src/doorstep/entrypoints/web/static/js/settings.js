// Settings: the organisation, your own account, and for administrators the users, the
// driver logins and the API keys. Each section shows only when the caller's permissions
// (the page data) allow it; the API refuses the rest anyway, so hiding is a courtesy.
import { $, $$, api, describe, el, pageData, toast } from "./app.js";
import { roleLabel } from "./settings-roles.js";
import { showUsers } from "./settings-users.js";
import { showKeys } from "./settings-keys.js";

const data = pageData();
const granted = new Set(data.permissions || []);
const allows = (node) => (node.dataset.needs || "").split(" ").filter(Boolean).every((p) => granted.has(p));

for (const node of $$("[data-needs]")) node.hidden = !allows(node);

async function showOrganisation() {
  const form = $("#org-form");
  const org = await api("organisation");
  form.elements.name.value = org.name;
  form.elements.currency.value = org.currency;
  form.elements.max_delivery_attempts.value = org.max_delivery_attempts;
  const writable = granted.has("organisation:write");
  for (const input of $$("input", form)) input.disabled = !writable;
  $("#org-readonly").hidden = writable;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      name: form.elements.name.value.trim(),
      currency: form.elements.currency.value.trim().toUpperCase(),
      max_delivery_attempts: Number(form.elements.max_delivery_attempts.value),
    };
    try {
      const saved = await api("organisation", { method: "PATCH", body });
      form.elements.currency.value = saved.currency;
      toast(`Saved: ${saved.name}, ${saved.currency}`, "ok");
    } catch (error) {
      toast(describe(error), "bad");
    }
  });
}

async function showAccount() {
  const me = await api("users/me");
  const fact = (term, ...value) => [el("dt", {}, term), el("dd", {}, ...value)];
  $("#me").replaceChildren(
    ...fact("Name", me.name),
    ...fact("E-mail", me.email),
    ...fact("Roles", ...me.roles.map((r) => el("span", { class: "badge" }, roleLabel(r)))),
    ...fact("Pages", ...$$(".menu a").map((a) => el("a", { href: a.getAttribute("href"), class: "badge" }, a.textContent))),
  );
  return me;
}

async function main() {
  const [, me] = await Promise.all([showOrganisation(), showAccount()]);
  const work = [];
  if (granted.has("users:manage")) work.push(showUsers(me, { drivers: granted.has("network:write") }));
  if (granted.has("api_keys:manage")) work.push(showKeys());
  await Promise.all(work);
  document.body.dataset.ready = "1";  // for tests and for people: everything is in
}

main().catch((error) => toast(describe(error), "bad"));
