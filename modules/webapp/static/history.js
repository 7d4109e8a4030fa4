// The history page: the caller's predictions, with thumbnails of the
// photos the service keeps, filters and keyset paging.
"use strict";
(() => {
  const { api, el, row, pct, when, say } = AquaML;
  const form = document.getElementById("history-filter");
  const body = document.querySelector("#history-table tbody");
  const more = document.getElementById("history-more");
  let next = "";

  function query(cursor) {
    const q = new URLSearchParams({ page_size: "20" });
    for (const name of ["label", "model", "from", "to"]) {
      const v = form.elements[name].value.trim();
      if (v) q.set(name, v);
    }
    if (cursor) q.set("cursor", cursor);
    return q;
  }

  async function load(cursor) {
    say("history-status", "Loading…");
    try {
      const page = await api(`/predictions?${query(cursor)}`);
      if (!cursor) body.replaceChildren();
      for (const p of page.items) {
        const top = p.predictions && p.predictions[0];
        const named = top && top.common_name ? `${top.common_name} (${p.label})` : p.label;
        const species = p.unknown ? `unknown (closest: ${named})` : named;
        const thumb = p.image.stored
          ? el("img", { class: "thumb", src: `${AquaML.prefix}/predictions/${encodeURIComponent(p.id)}/image`, alt: `The photo classified as ${species}`, loading: "lazy", width: "48", height: "48" })
          : el("span", { class: "muted", text: "not kept" });
        body.append(row(thumb, when(p.created_at), species, pct(p.confidence), `${p.model.name}:${p.model.version}`));
      }
      next = page.next || "";
      more.hidden = !next;
      say("history-status", body.children.length ? `${body.children.length} shown` : "No predictions match.");
    } catch (err) {
      say("history-status", err.message, true);
    }
  }
  const models = form.elements.model;
  api("/models").then((page) => {
    for (const m of page.items) models.append(el("option", { value: m.id, text: `${m.name}:${m.version}` }));
  }).catch((err) => say("history-status", `Models could not be listed: ${err.message}`, true));
  form.addEventListener("submit", (e) => { e.preventDefault(); load(""); });
  more.addEventListener("click", () => load(next));
  load("");
})();
