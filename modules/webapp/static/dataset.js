// One dataset: per-label counts and warnings, labelled uploads with a
// progress bar, corrected predictions, frozen versions and a training job.
"use strict";
(() => {
  const { api, upload, problem, el, row, when, say } = AquaML;
  const id = document.body.dataset.id;
  const path = `/datasets/${encodeURIComponent(id)}`;
  const detail = document.getElementById("dataset-detail");

  function show(d) {
    document.querySelector("h1").textContent = `Dataset ${d.name}`;
    document.title = `Dataset ${d.name} · ${document.title.split(" · ").pop()}`;
    document.getElementById("dataset-summary").textContent =
      `${d.photos} photos in ${d.labels.length} labels; a label learns well from about ${d.min_per_label} photos.`;
    const warnings = document.getElementById("dataset-warnings");
    warnings.replaceChildren(...d.warnings.map((w) => el("li", { class: "warning", "data-code": w.code, text: w.message })));
    const body = document.querySelector("#label-table tbody");
    body.replaceChildren(...d.labels.map((l) => row(l.name, l.scientific_name, l.common_name, l.count)));
  }

  async function load() {
    let d;
    try {
      d = await api(path);
    } catch (err) {
      detail.hidden = true;
      return say("dataset-status", err.status === 404 ? "Dataset not found." : err.message, true);
    }
    detail.hidden = false;
    show(d);
    await Promise.all([versions(), bases()]);
  }

  async function versions() {
    const p = await api(`${path}/versions?page_size=100`);
    const body = document.querySelector("#version-table tbody");
    const select = document.getElementById("t-version");
    body.replaceChildren();
    select.replaceChildren();
    for (const v of p.items) {
      body.append(row(v.id.slice(0, 12), v.photos, v.label_count, when(v.created_at)));
      select.append(el("option", { value: v.id, text: `${v.id.slice(0, 12)} (${v.photos} photos, ${when(v.created_at)})` }));
    }
    document.getElementById("train-submit").disabled = !p.items.length;
    if (!p.items.length) say("train-status", "Freeze a version first: training needs one.");
  }

  async function bases() {
    const select = document.getElementById("t-base");
    const p = await api("/models");
    for (const m of p.items) select.append(el("option", { value: m.id, text: `Fine-tune ${m.name}:${m.version}` }));
  }

  document.getElementById("items-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const files = document.getElementById("items-files").files;
    if (!files.length) return say("items-status", "Choose a zip or photos first.", true);
    const data = new FormData();
    const label = document.getElementById("items-label").value.trim();
    if (label) data.append("label", label); // before the files: the server reads the parts in order
    for (const f of files) data.append("files", f);
    say("items-status", "Uploading…");
    try {
      const r = await upload(`${path}/items`, data, document.getElementById("items-progress"));
      say("items-status", `Added ${r.added} photos (${r.duplicates} already there).`);
      show(r.dataset);
    } catch (err) {
      say("items-status", problem(err), true);
    }
  });

  document.getElementById("from-feedback").addEventListener("click", async () => {
    say("feedback-status", "Adding…");
    try {
      const r = await api(`${path}/items/from-feedback`, { method: "POST" });
      const missing = r.unavailable ? `; ${r.unavailable} without a kept photo` : "";
      say("feedback-status", `Added ${r.added} corrected predictions (${r.duplicates} already there${missing}).`);
      show(r.dataset);
    } catch (err) {
      say("feedback-status", problem(err), true);
    }
  });

  document.getElementById("freeze").addEventListener("click", async () => {
    try {
      const v = await api(`${path}/versions`, { method: "POST" });
      say("freeze-status", `Version ${v.id.slice(0, 12)}: ${v.photos} photos in ${v.label_count} labels.`);
      await versions();
    } catch (err) {
      say("freeze-status", problem(err), true);
    }
  });

  document.getElementById("train-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    // A field left blank is left out: the API fills in its default.
    const job = { dataset_version: f.dataset_version.value, base: f.base.value, validation: {} };
    const set = (obj, key, v, num) => { if (String(v).trim() !== "") obj[key] = num ? Number(v) : String(v).trim(); };
    set(job, "architecture", f.architecture.value);
    set(job, "input", f.input.value);
    set(job, "epochs", f.epochs.value, true);
    set(job, "seed", f.seed.value, true);
    set(job.validation, "group_by", f.group_by.value);
    set(job.validation, "fraction", f.fraction.value, true);
    set(job, "augmentation", f.augmentation.value);
    // Blank freeze and flip TTA leave the API to pick them: their defaults
    // depend on the base and the network.
    job.recipe = { refit: f.refit.checked };
    if (f.flip_tta.value) job.recipe.flip_tta = f.flip_tta.value === "on";
    set(job.recipe, "freeze", f.freeze.value, true);
    set(job.recipe, "mixup", f.mixup.value, true);
    set(job.recipe, "average_epochs", f.average_epochs.value, true);
    set(job.recipe, "patience", f.patience.value, true);
    for (const n of e.target.querySelectorAll("[aria-invalid]")) n.removeAttribute("aria-invalid");
    const button = document.getElementById("train-submit");
    button.disabled = true;
    try {
      const j = await api("/training-jobs", { method: "POST", json: job });
      location.assign(`/app/training/${encodeURIComponent(j.id)}`);
    } catch (err) {
      say("train-status", problem(err), true);
      invalid(f, err);
      button.disabled = false;
    }
  });

  // invalid marks the fields a 422 names ("recipe.mixup" is the field
  // named mixup) and opens the recipe when one of them is in it, so the
  // message points at something the user can see.
  function invalid(f, err) {
    const fields = (err.body && err.body.error && err.body.error.fields) || {};
    for (const key of Object.keys(fields)) {
      const input = f[key.split(".").pop()];
      if (!(input instanceof Element)) continue;
      input.setAttribute("aria-invalid", "true");
      if (input.closest("details")) input.closest("details").open = true;
    }
  }

  load().catch((err) => say("dataset-status", err.message, true));
})();
