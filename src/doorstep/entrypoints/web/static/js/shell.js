// Every signed-in page: the station and day picker, and signing out.
import { api, leave } from "./app.js";

const picker = document.getElementById("day-picker");
if (picker) {
  picker.addEventListener("change", () => {
    const query = new URLSearchParams(location.search);
    for (const [key, value] of new FormData(picker)) query.set(key, value);
    location.search = query.toString();
  });
  picker.addEventListener("submit", (e) => e.preventDefault());
}

// Signing out is a plain form (POST /sign-out), so it works before this script has loaded;
// here it goes through the API instead, after the page's own readers are told to stop (a
// read answered 401 once the session is gone would otherwise send the browser elsewhere).
const out = document.getElementById("sign-out-form");
if (out) {
  out.addEventListener("submit", async (e) => {
    e.preventDefault();
    leave();
    try { await api("/session:end", { method: "POST" }); } finally { location.href = "/login"; }
  });
}
