// Proof capture: a signature drawn with a finger (pointer events on a canvas) and a photo
// from the camera, both turned into image blobs the outbox keeps until they are uploaded.

const MAX_SIDE = 1600; // a photo this size shows the parcel and stays well under 5 MiB

// A signature pad on `canvas`; returns {isEmpty(), clear(), toBlob()}.
export function signaturePad(canvas) {
  const pen = canvas.getContext("2d");
  let strokes = 0;
  let last = null;

  // Draw in the canvas's own pixels, whatever size CSS gives it on this screen.
  function fit() {
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(box.width * ratio));
    canvas.height = Math.max(1, Math.round(box.height * ratio));
    pen.setTransform(ratio, 0, 0, ratio, 0, 0);
    pen.fillStyle = "#fff";
    pen.fillRect(0, 0, box.width, box.height);
    pen.lineWidth = 2.5;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "#111827";
    strokes = 0;
  }

  function point(e) {
    const box = canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }

  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    pen.beginPath();
    pen.arc(last.x, last.y, 1, 0, Math.PI * 2);
    pen.fillStyle = "#111827";
    pen.fill();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (last === null) return;
    const next = point(e);
    pen.beginPath();
    pen.moveTo(last.x, last.y);
    pen.lineTo(next.x, next.y);
    pen.stroke();
    last = next;
  });
  const lift = () => {
    if (last !== null) strokes += 1;
    last = null;
    canvas.dispatchEvent(new CustomEvent("signed"));
  };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);

  fit();
  return {
    isEmpty: () => strokes === 0,
    clear: fit,
    toBlob: () => new Promise((resolve) => canvas.toBlob(resolve, "image/png")),
  };
}

// The camera's photo as a JPEG no larger than MAX_SIDE (phones give 12 MP and odd formats).
export async function photoBlob(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
}
