// The roles a user or an API key may hold, in the words the settings page shows, and the
// check boxes that pick them. The server's role table (domain/permissions.py) decides what
// each may do; these lines only tell an administrator what they are choosing.
import { el } from "./app.js";

export const ROLES = [
  { value: "admin", label: "Administrator", hint: "everything, including users and keys" },
  { value: "planner", label: "Planner", hint: "orders, plans, the network" },
  { value: "dispatcher", label: "Dispatcher", hint: "the day's routes and exceptions" },
  { value: "station_associate", label: "Station", hint: "receive, sort and load" },
  { value: "driver", label: "Driver", hint: "their own route in the driver app" },
  { value: "viewer", label: "Viewer", hint: "reads, changes nothing" },
];

export function roleLabel(value) {
  const found = ROLES.find((r) => r.value === value);
  return found ? found.label : value;
}

// Fill `fieldset` with one check box per role, `chosen` ticked.
export function roleBoxes(fieldset, chosen = [], { name = "roles", compact = false, locked = [] } = {}) {
  const legend = fieldset.querySelector("legend");
  fieldset.replaceChildren(...(legend ? [legend] : []));
  for (const role of ROLES) {
    const box = el("input", {
      type: "checkbox", name, value: role.value, checked: chosen.includes(role.value),
      disabled: locked.includes(role.value),
    });
    const text = compact ? role.label : [el("strong", {}, role.label), el("span", { class: "muted" }, ` ${role.hint}`)];
    fieldset.append(el("label", { class: "role", title: role.hint }, box, " ", text));
  }
}

export function chosenRoles(root, name = "roles") {
  return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}
