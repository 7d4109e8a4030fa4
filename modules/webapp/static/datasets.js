// The datasets page: the caller's datasets and a form to create one.
"use strict";
(() => {
  const { api, problem, el, row, when, say } = AquaML;
  let page = 1;

  async function list(reset) {
    if (reset) page = 1;
    const p = await api(`/datasets?page=${page}&page_size=20`);
    const body = document.querySelector("#dataset-list tbody");
    if (page === 1) body.replaceChildren();
    for (const d of p.items) {
      const link = el("a", { href: `/app/datasets/${encodeURIComponent(d.id)}`, text: d.name });
      body.append(row(link, d.photos, d.labels.length, d.warnings.length || "", when(d.updated_at)));
    }
    const more = document.getElementById("datasets-more");
    more.hidden = !(p.total && p.total > page * 20);
    if (!body.children.length) say("datasets-status", "No datasets yet.");
  }
  document.getElementById("datasets-more").addEventListener("click", () => { page += 1; list(false); });

  document.getElementById("dataset-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      const d = await api("/datasets", { method: "POST", json: { name: f.name.value, description: f.description.value } });
      location.assign(`/app/datasets/${encodeURIComponent(d.id)}`);
    } catch (err) {
      say("datasets-status", problem(err), true);
    }
  });

  list(true).catch((err) => say("datasets-status", err.message, true));
})();
