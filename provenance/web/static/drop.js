// Drop a file: hash it here, in chunks, with the vendored hash-wasm, and ask the
// ledger about the hash only. The file's bytes never leave the browser.
// (WebCrypto's digest needs a secure context and the whole file in memory.)
"use strict";

const CHUNK = 4 * 1024 * 1024;

async function sha256Of(file, progress) {
  const hasher = await hashwasm.createSHA256();
  hasher.init();
  for (let offset = 0; offset < file.size; offset += CHUNK) {
    const part = await file.slice(offset, offset + CHUNK).arrayBuffer();
    hasher.update(new Uint8Array(part));
    progress.value = Math.min(1, (offset + CHUNK) / file.size);
  }
  return hasher.digest("hex");
}

async function lookUp(file) {
  const zone = document.getElementById("dropzone");
  const progress = document.getElementById("progress");
  const status = document.getElementById("hashing");
  progress.hidden = false;
  progress.value = 0;
  status.textContent = "Hashing " + file.name + " in this browser…";
  const sha = await sha256Of(file, progress);
  progress.value = 1;
  status.textContent = file.name + ": SHA-256 " + sha;
  htmx.ajax("GET", zone.dataset.lookup + sha, { target: "#story", swap: "innerHTML" });
}

function start() {
  const zone = document.getElementById("dropzone");
  const pick = document.getElementById("pick");
  pick.addEventListener("change", () => pick.files.length && lookUp(pick.files[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) lookUp(event.dataTransfer.files[0]);
  });
}

document.addEventListener("DOMContentLoaded", start);
