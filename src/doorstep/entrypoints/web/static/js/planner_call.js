// The planner's calls to the API, stopped when the person signs out. The page starts many
// reads at once; one answered 401 after the session ended would send the browser to
// /login?next=/planner (app.js does that on any 401) instead of the plain sign-in page.
import { api } from "./app.js";

const leaving = new AbortController();
const out = document.getElementById("sign-out");
if (out) out.addEventListener("click", () => leaving.abort());

const never = () => new Promise(() => {}); // the page is going away: nothing to finish

export function isLeaving() { return leaving.signal.aborted; }

export async function call(path, options = {}) {
  if (leaving.signal.aborted) return never();
  try {
    return await api(path, { ...options, signal: leaving.signal });
  } catch (error) {
    if (leaving.signal.aborted) return never();
    throw error;
  }
}
