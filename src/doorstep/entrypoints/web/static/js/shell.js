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

const out = document.getElementById("sign-out");
if (out) {
  out.addEventListener("click", async () => {
    leave();
    try { await api("/session:end", { method: "POST" }); } finally { location.href = "/login"; }
  });
}
