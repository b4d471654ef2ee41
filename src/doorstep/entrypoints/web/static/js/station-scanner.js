// The scan input: a keyboard-wedge scanner types the barcode and presses Enter. The input
// keeps the focus (after every action, and on a tap anywhere that is not another control),
// so no scan ever lands elsewhere; each Enter hands the code on at once and clears the
// field, so the next barcode can follow while the last is still on its way to the server.

// What keeps the focus for itself: other fields, and dialogs with their own controls.
const OWN_INPUT = "select, textarea, input:not(#scan), [contenteditable], dialog";

export function keepScanning(input, form, onCode, { keyboardButton } = {}) {
  const refocus = () => {
    if (document.activeElement !== input) input.focus({ preventScroll: true });
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const code = input.value.trim();
    input.value = "";
    if (code) onCode(code);
    refocus();
  });
  const takesInput = (node) => node instanceof Element && node.closest(OWN_INPUT);
  // A tap anywhere but on something that takes its own input brings the focus back.
  document.addEventListener("click", (e) => {
    if (!takesInput(e.target)) setTimeout(refocus, 0);
  });
  // The refocus above waits for the tap's own handlers (which may redraw the button that
  // had the focus), but the browser serves key presses before such waits: a scanner that
  // fires right after a tap would type into the page and the scan would be lost. So the
  // first character typed anywhere else moves the focus here before it lands. Space is
  // left to a focused button (a keyboard user pressing it), and so are keys with Ctrl,
  // Alt or Meta, Tab and the arrows, which are no barcode's.
  document.addEventListener("keydown", (e) => {
    if (e.key.length !== 1 || e.ctrlKey || e.altKey || e.metaKey) return;
    const active = document.activeElement;
    if (active === input || takesInput(active)) return;
    if (e.key === " " && active && active !== document.body) return;
    refocus();
  }, { capture: true });
  // When the focus leaves for nothing in particular (the page body), take it back.
  input.addEventListener("blur", () => {
    setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body || active.tagName === "BUTTON" || active.tagName === "A") {
        refocus();
      }
    }, 0);
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refocus(); });
  window.addEventListener("focus", refocus);
  // inputmode=none keeps a phone's on-screen keyboard away (a wedge scanner needs none);
  // "Type" brings it for a label too damaged to scan.
  if (keyboardButton) {
    keyboardButton.addEventListener("click", () => {
      const typing = input.getAttribute("inputmode") === "none";
      input.setAttribute("inputmode", typing ? "text" : "none");
      keyboardButton.setAttribute("aria-pressed", String(typing));
      input.blur();
      setTimeout(() => input.focus(), 0);
    });
  }
  refocus();
  return refocus;
}
