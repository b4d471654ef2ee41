// The scan input: a keyboard-wedge scanner types the barcode and presses Enter. The input
// keeps the focus (after every action, and on a tap anywhere that is not another control),
// so no scan ever lands elsewhere; each Enter hands the code on at once and clears the
// field, so the next barcode can follow while the last is still on its way to the server.

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
  // A tap anywhere but on something that takes its own input brings the focus back.
  document.addEventListener("click", (e) => {
    if (!e.target.closest("select, textarea, input:not(#scan), [contenteditable], dialog")) {
      setTimeout(refocus, 0);
    }
  });
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
