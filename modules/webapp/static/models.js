// The models page (admins): upload, load, unload, make default, delete.
"use strict";
(() => {
  const { api, upload, problem, el, row, pct, say } = AquaML;

  function action(m, label, path, method, confirmText) {
    const b = el("button", { type: "button", "aria-label": `${label} ${m.name}:${m.version}`, text: label });
    b.addEventListener("click", async () => {
      if (confirmText && !window.confirm(confirmText)) return;
      b.disabled = true;
      say("models-status", `${label}: ${m.name}:${m.version}…`);
      try {
        await api(path, { method });
        say("models-status", `${label}: ${m.name}:${m.version} done.`);
        load();
      } catch (err) {
        say("models-status", err.message, true);
        b.disabled = false;
      }
    });
    return b;
  }

  async function load() {
    const page = await api("/models");
    const body = document.querySelector("#model-table tbody");
    body.replaceChildren();
    for (const m of page.items) {
      const id = encodeURIComponent(m.id);
      const state = [m.active ? "default" : "", m.ready ? "loaded" : "stored"].filter(Boolean).join(", ");
      const actions = el("div", { class: "actions" });
      if (!m.ready) actions.append(action(m, "Load", `/models/${id}/load`, "POST"));
      if (m.ready && !m.active) actions.append(action(m, "Unload", `/models/${id}/unload`, "POST"));
      if (!m.active) actions.append(action(m, "Make default", `/models/${id}/activate`, "POST"));
      if (!m.active) actions.append(action(m, "Delete", `/models/${id}`, "DELETE", `Delete ${m.name}:${m.version} and its file?`));
      body.append(row(m.name, m.version, state, m.metrics ? pct(m.metrics.accuracy) : "", actions));
    }
  }
  document.getElementById("model-upload").addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = document.getElementById("model-file").files[0];
    if (!file) return say("models-status", "Choose a model file first.", true);
    const data = new FormData();
    data.append("file", file);
    say("models-status", `Uploading ${file.name}…`);
    try {
      const m = await upload("/models", data, document.getElementById("model-upload-progress"));
      say("models-status", `Uploaded ${m.name}:${m.version}; it is stored, not served.`);
      load();
    } catch (err) {
      say("models-status", problem(err), true);
    }
  });

  load().catch((err) => say("models-status", err.message, true));
})();
