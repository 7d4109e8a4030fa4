// The training page: the caller's jobs, newest first.
"use strict";
(() => {
  const { api, el, row, pct, when, say } = AquaML;
  let page = 1;

  async function list() {
    const p = await api(`/training-jobs?page=${page}&page_size=20`);
    const body = document.querySelector("#job-list tbody");
    if (page === 1) body.replaceChildren();
    for (const j of p.items) {
      const link = el("a", { href: `/app/training/${encodeURIComponent(j.id)}`, text: j.id.slice(0, 8) });
      const acc = j.progress.epoch ? pct(j.progress.val_accuracy) : "";
      body.append(row(link, j.status, `${j.progress.epoch} of ${j.progress.epochs}`, acc, when(j.created_at)));
    }
    const more = document.getElementById("jobs-more");
    more.hidden = !(p.total && p.total > page * 20);
    if (!body.children.length) say("training-status", "No training jobs yet.");
  }
  document.getElementById("jobs-more").addEventListener("click", () => { page += 1; list(); });
  list().catch((err) => say("training-status", err.message, true));
})();
