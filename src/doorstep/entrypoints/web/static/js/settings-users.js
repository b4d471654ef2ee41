// Users (add, change roles, deactivate or bring back) and which login drives as which
// driver. Administrators only: the section is hidden otherwise and the API says 403.
import { $, api, describe, el, toast } from "./app.js";
import { chosenRoles, roleBoxes, roleLabel } from "./settings-roles.js";

let me = null;
let users = [];
let linkDrivers = false;

export async function showUsers(caller, { drivers = false } = {}) {
  me = caller;
  linkDrivers = drivers;
  roleBoxes($('[data-roles="new-user"]'), ["viewer"]);
  $("#user-form").addEventListener("submit", addUser);
  $("#show-inactive").addEventListener("change", drawUsers);
  await reload();
}

async function reload() {
  users = await api("users");
  drawUsers();
  if (linkDrivers) await drawDrivers();
}

function drawUsers() {
  const everyone = $("#show-inactive").checked;
  const rows = users
    .filter((u) => everyone || u.active)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(userRow);
  $("#users-table tbody").replaceChildren(...rows);
}

function userRow(user) {
  const self = user.id === me.id;
  // The roles read as badges; "Change roles" opens the check boxes in their place. Your own
  // admin role and your own account stay: the server refuses both changes anyway.
  const badges = el("div", { class: "role-badges" }, ...user.roles.map((r) => el("span", { class: "badge" }, roleLabel(r))));
  const roles = el("fieldset", { class: "roles compact", "aria-label": `roles of ${user.name}`, hidden: true });
  roleBoxes(roles, user.roles, { name: `roles-${user.id}`, compact: true, locked: self ? ["admin"] : [] });
  const edit = el("button", { type: "button", class: "edit-roles" }, "Change roles");
  const save = el("button", { type: "button", class: "primary save-roles", hidden: true, disabled: true }, "Save roles");
  edit.addEventListener("click", () => {
    badges.hidden = edit.hidden = true;
    roles.hidden = save.hidden = false;
  });
  roles.addEventListener("change", () => {
    const now = chosenRoles(roles, `roles-${user.id}`).sort().join();
    save.disabled = now === [...user.roles].sort().join() || now === "";
  });
  save.addEventListener("click", () => change(user, { roles: chosenRoles(roles, `roles-${user.id}`) }, "Roles saved"));
  const toggle = user.active
    ? el("button", { type: "button", class: "danger deactivate", onclick: () => deactivate(user) }, "Deactivate")
    : el("button", { type: "button", class: "reactivate", onclick: () => change(user, { active: true }, "Active again") }, "Reactivate");
  return el("tr", { dataset: { user: user.email }, class: user.active ? "" : "inactive" },
    el("td", { "data-label": "Name" }, user.name, self ? el("span", { class: "badge" }, "you") : null),
    el("td", { "data-label": "E-mail" }, user.email),
    el("td", { "data-label": "Roles", class: "roles-cell" }, badges, roles),
    el("td", { "data-label": "Status" }, el("span", { class: `badge ${user.active ? "ok" : "bad"}` }, user.active ? "active" : "deactivated")),
    el("td", { class: "row-actions" }, user.active ? edit : null, save, self ? null : toggle),
  );
}

async function change(user, body, done) {
  try {
    await api(`users/${user.id}`, { method: "PATCH", body });
    toast(`${user.name}: ${done}`, "ok");
    await reload();
  } catch (error) {
    toast(describe(error), "bad");
  }
}

async function deactivate(user) {
  if (!confirm(`Deactivate ${user.name}? They can no longer sign in.`)) return;
  try {
    await api(`users/${user.id}`, { method: "DELETE" });
    toast(`${user.name} can no longer sign in`, "ok");
    await reload();
  } catch (error) {
    toast(describe(error), "bad");
  }
}

async function addUser(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    name: form.elements.name.value.trim(),
    email: form.elements.email.value.trim(),
    password: form.elements.password.value,
    roles: chosenRoles(form),
  };
  if (body.roles.length === 0) { toast("Pick at least one role", "bad"); return; }
  try {
    const added = await api("users", { method: "POST", body });
    toast(`${added.name} added as ${added.roles.map(roleLabel).join(", ")}`, "ok");
    form.reset();
    roleBoxes($('[data-roles="new-user"]'), ["viewer"]);
    await reload();
  } catch (error) {
    toast(describe(error), "bad");
  }
}

// Each driver record with a choice of login; users with the driver role come first.
async function drawDrivers() {
  const drivers = await api("drivers");
  const logins = users.filter((u) => u.active).sort((a, b) =>
    Number(b.roles.includes("driver")) - Number(a.roles.includes("driver")) || a.name.localeCompare(b.name));
  const rows = drivers
    .filter((d) => d.active)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((driver) => {
      const pick = el("select", { "aria-label": `login of ${driver.name}`, name: "user_id" },
        el("option", { value: "" }, "no login"),
        ...logins.map((u) => el("option", { value: u.id, selected: u.id === driver.user_id },
          `${u.name} · ${u.email}${u.roles.includes("driver") ? "" : " (not a driver)"}`)));
      const save = el("button", { type: "button", disabled: true }, "Link");
      pick.addEventListener("change", () => { save.disabled = (pick.value || null) === driver.user_id; });
      save.addEventListener("click", async () => {
        try {
          await api(`drivers/${driver.id}`, { method: "PATCH", body: { user_id: pick.value || null } });
          driver.user_id = pick.value || null;
          save.disabled = true;
          toast(pick.value ? `${driver.name} now signs in as ${pick.selectedOptions[0].textContent}` : `${driver.name} has no login`, "ok");
        } catch (error) {
          toast(describe(error), "bad");
        }
      });
      return el("tr", { dataset: { driver: driver.name } },
        el("td", { "data-label": "Driver" }, driver.name),
        el("td", { "data-label": "Login" }, pick),
        el("td", { class: "row-actions" }, save));
    });
  $("#drivers-table tbody").replaceChildren(...rows);
}
