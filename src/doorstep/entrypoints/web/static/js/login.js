import { api, describe } from "./app.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const fields = Object.fromEntries(new FormData(form));
  try {
    await api("/session", { method: "POST", body: fields });
    location.href = form.dataset.next || "/";
  } catch (e) {
    error.textContent = e.status === 401 ? "The e-mail or the password is wrong." : describe(e);
    error.hidden = false;
  }
});
