// The classify page: a photo (or the phone's camera), a model, the answer
// with confidence bars, and one-click feedback.
"use strict";
(() => {
  const { api, el, pct, say } = AquaML;
  const form = document.getElementById("classify-form");
  const input = document.getElementById("photo");
  const drop = document.getElementById("drop");
  const preview = document.getElementById("preview");
  const modelSelect = document.getElementById("model");
  const correct = document.getElementById("correct");
  let current = null; // the last answer

  api("/models").then((page) => {
    for (const m of page.items || []) {
      if (!m.ready && !m.serving) continue;
      const name = `${m.name}:${m.version}`;
      modelSelect.append(el("option", { value: m.id, text: m.active ? `${name} (default)` : name }));
    }
  }).catch((e) => say("classify-status", `Models could not be listed: ${e.message}`, true));

  function show(file) {
    if (!file) return;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  }
  input.addEventListener("change", () => show(input.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show(input.files[0]);
    }
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!input.files.length) return say("classify-status", "Choose a photo first.", true);
    const body = new FormData();
    body.append("file", input.files[0]);
    body.append("top_k", document.getElementById("top_k").value);
    if (modelSelect.value) body.append("model", modelSelect.value);
    const button = document.getElementById("classify-button");
    button.disabled = true;
    say("classify-status", "Classifying…");
    try {
      current = await api("/classify", { method: "POST", body });
      render(current);
      say("classify-status", "Done.");
    } catch (err) {
      say("classify-status", err.message, true);
    } finally {
      button.disabled = false;
    }
  });

  function render(r) {
    const list = document.getElementById("predictions");
    list.replaceChildren();
    for (const p of r.predictions) {
      const bar = el("span");
      bar.style.width = pct(p.confidence);
      const names = p.common_name ? `${p.common_name} ` : "";
      list.append(el("li", { class: "prediction", "data-label": p.label },
        el("strong", { text: names || p.label }),
        el("em", { text: p.scientific_name || p.label }),
        el("span", { text: ` — ${pct(p.confidence)}` }),
        el("div", { class: "bar", role: "img", "aria-label": `confidence ${pct(p.confidence)}` }, bar)));
    }
    document.getElementById("unknown").hidden = !r.unknown;
    document.getElementById("result-model").textContent = `Model ${r.model.name}:${r.model.version}`;
    document.getElementById("result").hidden = false;
    say("feedback-status", "");
    labels(r.model.id);
  }

  async function labels(modelID) {
    correct.replaceChildren();
    try {
      const m = await api(`/models/${encodeURIComponent(modelID)}`);
      for (const l of m.labels || []) {
        correct.append(el("option", { value: l.name, text: l.common_name ? `${l.common_name} (${l.name})` : l.name }));
      }
    } catch (err) {
      say("feedback-status", `Species could not be listed: ${err.message}`, true);
    }
  }

  async function feedback(label) {
    if (!current || !label) return;
    try {
      await api(`/predictions/${current.prediction_id}/feedback`, { method: "POST", json: { correct_label: label } });
      say("feedback-status", `Thank you: recorded as ${label}.`);
    } catch (err) {
      say("feedback-status", err.message, true);
    }
  }
  document.getElementById("confirm").addEventListener("click", () => feedback(current && current.predictions[0] && current.predictions[0].label));
  document.getElementById("send-feedback").addEventListener("click", () => feedback(correct.value));
})();
