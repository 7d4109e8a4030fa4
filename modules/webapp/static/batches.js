// The batches page: upload with a progress bar, live progress over SSE
// (the session cookie authenticates the stream), results, CSV, cancel.
"use strict";
(() => {
  const { prefix, api, upload, el, row, pct, when, say } = AquaML;
  const form = document.getElementById("batch-form");
  const bar = document.getElementById("upload-progress");
  let stream = null;
  let shown = "";

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const files = document.getElementById("batch-files").files;
    if (!files.length) return say("batch-status", "Choose photos or a zip first.", true);
    const data = new FormData();
    for (const f of files) data.append("files", f);
    const name = document.getElementById("batch-name").value.trim();
    if (name) data.append("name", name);
    say("batch-status", "Uploading…");
    try {
      const b = await upload("/batches", data, bar);
      say("batch-status", `Batch ${b.name || b.id} accepted: ${b.total} photos.`);
      history.replaceState(null, "", `?id=${encodeURIComponent(b.id)}`);
      open(b.id);
      list();
    } catch (err) {
      say("batch-status", err.message, true);
    }
  });

  function update(b) {
    document.getElementById("batch-title").textContent = `Batch ${b.name || b.id}`;
    document.getElementById("batch-state").textContent = b.status;
    document.getElementById("batch-counts").textContent =
      `${b.done} done, ${b.failed} failed, ${b.skipped} skipped, ${b.pending} pending of ${b.total} (${pct(b.progress)})`;
    document.getElementById("batch-progress").value = b.progress;
    document.getElementById("batch-cancel").disabled = !["queued", "running"].includes(b.status);
    if (!b.species) return; // progress events carry the counts, not the species
    const species = document.querySelector("#batch-species tbody");
    species.replaceChildren();
    const counts = Object.entries(b.species || {}).sort((x, y) => y[1] - x[1]);
    if (b.unknown) counts.push(["unknown", b.unknown]);
    for (const [label, n] of counts) species.append(row(label, n));
  }

  async function results(id) {
    const page = await api(`/batches/${encodeURIComponent(id)}/results?page_size=100`);
    const body = document.querySelector("#batch-results tbody");
    body.replaceChildren();
    for (const r of page.items) {
      body.append(row(r.index, r.filename, r.status, r.unknown ? "unknown" : (r.label || ""),
        r.confidence == null ? "" : pct(r.confidence)));
    }
  }

  const finished = (s) => !["queued", "running"].includes(s);

  async function open(id) {
    shown = id;
    if (stream) stream.close();
    const detail = document.getElementById("batch-detail");
    let b;
    try {
      b = await api(`/batches/${encodeURIComponent(id)}`);
    } catch (err) {
      detail.hidden = true;
      return say("batch-status", err.status === 404 ? "Batch not found." : err.message, true);
    }
    detail.hidden = false;
    // Busy until the final counts and results are on the page.
    detail.setAttribute("aria-busy", "true");
    document.getElementById("batch-csv").href = `${prefix}/batches/${encodeURIComponent(id)}/results?format=csv`;
    update(b);
    await results(id);
    if (finished(b.status)) return detail.setAttribute("aria-busy", "false");
    stream = new EventSource(`${prefix}/batches/${encodeURIComponent(id)}/events`);
    stream.addEventListener("progress", (e) => { if (shown === id) update(JSON.parse(e.data)); });
    stream.addEventListener("end", async () => {
      stream.close();
      if (shown !== id) return;
      const last = await api(`/batches/${encodeURIComponent(id)}`);
      update(last);
      await results(id);
      detail.setAttribute("aria-busy", "false");
      list();
    });
  }

  document.getElementById("batch-cancel").addEventListener("click", async () => {
    try {
      await api(`/batches/${encodeURIComponent(shown)}/cancel`, { method: "POST" });
      update(await api(`/batches/${encodeURIComponent(shown)}`));
      list();
    } catch (err) {
      say("batch-status", err.message, true);
    }
  });

  async function list() {
    const body = document.querySelector("#batch-list tbody");
    try {
      const page = await api("/batches?page_size=20");
      body.replaceChildren();
      for (const b of page.items) {
        const link = el("a", { href: `?id=${encodeURIComponent(b.id)}`, text: b.name || b.id });
        link.addEventListener("click", (e) => { e.preventDefault(); history.replaceState(null, "", link.href); open(b.id); });
        body.append(row(link, b.status, b.total, when(b.created_at)));
      }
    } catch (err) {
      say("batch-status", err.message, true);
    }
  }

  list();
  const id = new URLSearchParams(location.search).get("id");
  if (id) open(id);
})();
