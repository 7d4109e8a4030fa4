// One training job: live progress over SSE (the session cookie
// authenticates the stream), loss and accuracy curves drawn as SVG from
// the epoch history, and once it completes its report, model card and
// confusion matrix; admins load the trained model or make it the default.
"use strict";
(() => {
  const { api, el, row, pct, say } = AquaML;
  const id = document.body.dataset.id;
  const path = `/training-jobs/${encodeURIComponent(id)}`;
  const admin = document.body.dataset.admin === "true"; // the API decides; this only hides buttons it would refuse
  const detail = document.getElementById("job-detail");
  const finished = (s) => !["queued", "running"].includes(s);
  let epochShown = -1;

  const NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs = {}, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // chart draws lines of points (epoch, value) with axes; top is the
  // y axis's upper end (1 for accuracy, the largest value for loss).
  function chart(title, lines, top) {
    const W = 360, H = 200, L = 44, R = 10, T = 10, B = 30;
    const epochs = Math.max(1, ...lines.flatMap((l) => l.points.map((p) => p[0])));
    const x = (e) => L + ((W - L - R) * (e - 1)) / Math.max(1, epochs - 1);
    const y = (v) => T + (H - T - B) * (1 - v / top);
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart" });
    s.append(svg("title", {}, title));
    s.append(svg("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }), svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }));
    for (const f of [0, 0.5, 1]) {
      s.append(svg("text", { x: L - 4, y: y(top * f) + 4, "text-anchor": "end", class: "tick" }, (top * f).toFixed(top >= 10 ? 0 : 2)));
    }
    for (const e of [1, epochs]) s.append(svg("text", { x: x(e), y: H - B + 16, "text-anchor": "middle", class: "tick" }, String(e)));
    s.append(svg("text", { x: (L + W - R) / 2, y: H - 2, "text-anchor": "middle", class: "tick" }, "epoch"));
    for (const l of lines) {
      if (!l.points.length) continue;
      const pts = l.points.map(([e, v]) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      s.append(svg("polyline", { points: pts, class: `line ${l.cls}`, "data-series": l.name }));
      for (const [e, v] of l.points) s.append(svg("circle", { cx: x(e), cy: y(v), r: 3, class: `dot ${l.cls}` }));
    }
    return s;
  }

  function curves(history) {
    const h = history || [];
    const loss = (k) => h.map((e) => [e.epoch, e[k]]);
    const top = Math.max(0.1, ...h.map((e) => Math.max(e.train_loss, e.val_loss))) * 1.1;
    document.getElementById("loss-chart").replaceChildren(chart("Training and validation loss per epoch",
      [{ name: "train_loss", cls: "train", points: loss("train_loss") }, { name: "val_loss", cls: "val", points: loss("val_loss") }], top));
    document.getElementById("accuracy-chart").replaceChildren(chart("Validation accuracy per epoch",
      [{ name: "val_accuracy", cls: "train", points: loss("val_accuracy") }], 1));
    document.querySelector("#epoch-table tbody").replaceChildren(...h.map((e) =>
      row(e.epoch, e.train_loss.toFixed(4), e.val_loss.toFixed(4), pct(e.val_accuracy), e.val_macro_f1.toFixed(3), e.images_per_sec.toFixed(1))));
  }

  function update(j) {
    document.getElementById("job-state").textContent = j.status;
    const p = j.progress;
    let summary = `epoch ${p.epoch} of ${p.epochs}`;
    if (p.epoch) summary += `, loss ${p.loss.toFixed(4)}, validation accuracy ${pct(p.val_accuracy)}`;
    if (p.refit_epochs) summary += `; refit on every photo: epoch ${p.refit_epoch} of ${p.refit_epochs}`;
    if (!finished(j.status) && p.eta_seconds) summary += `, about ${Math.ceil(p.eta_seconds)} s left`;
    document.getElementById("job-summary").textContent = summary;
    const bar = document.getElementById("job-progress");
    bar.max = p.epochs || 1;
    bar.value = p.epoch;
    const error = document.getElementById("job-error");
    error.hidden = !j.last_error || j.status === "completed";
    error.textContent = j.last_error ? `${j.error_code || "error"}: ${j.last_error}` : "";
    document.getElementById("job-cancel").hidden = finished(j.status);
  }

  // recipe lists what the job trains with, as the API stored it: its
  // request after the defaults were filled in.
  function recipe(req) {
    const r = req.recipe || {};
    const off = (v, on) => (v ? on(v) : "off");
    const items = [
      ["augmentation", "Augmentation", req.augmentation],
      ["freeze", "Frozen conv layers", off(r.freeze, (n) => `the base's first ${n}`)],
      ["mixup", "Mixup alpha", off(r.mixup, String)],
      ["average_epochs", "Weight averaging", off(r.average_epochs, (n) => `over about ${n} epochs`)],
      ["flip_tta", "Flip TTA", r.flip_tta ? "on" : "off"],
      ["patience", "Patience", off(r.patience, (n) => `stops after ${n} epochs without a better macro F1`)],
      ["refit", "Refit on every photo", r.refit ? "on" : "off"],
    ];
    document.getElementById("job-recipe").replaceChildren(...items.flatMap(([key, name, value]) =>
      [el("dt", { text: name }), el("dd", { "data-key": key, text: value == null ? "" : String(value) })]));
  }

  // refresh reads the job with its history when an epoch has passed.
  async function refresh(force) {
    const j = await api(path);
    update(j);
    if (force || j.progress.epoch !== epochShown) {
      epochShown = j.progress.epoch;
      curves(j.history);
    }
    return j;
  }

  function heat(t) {
    // From white to the accent colour; the text takes whichever of ink
    // and white reads better on it.
    const mix = (a, b) => Math.round(a + (b - a) * t);
    const rgb = [mix(255, 11), mix(255, 94), mix(255, 126)];
    const lum = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const L = 0.2126 * lum(rgb[0]) + 0.7152 * lum(rgb[1]) + 0.0722 * lum(rgb[2]);
    const onInk = (L + 0.05) / (0.0056 + 0.05), onWhite = 1.05 / (L + 0.05);
    return { bg: `rgb(${rgb.join(",")})`, fg: onInk >= onWhite ? "#111" : "#fff" };
  }

  function confusion(labels, m) {
    const table = document.getElementById("confusion");
    table.querySelector("thead").replaceChildren(el("tr", {}, el("th", { scope: "col", text: "True \\ said" }),
      ...labels.map((l) => el("th", { scope: "col", text: l }))));
    table.querySelector("tbody").replaceChildren(...m.map((r, i) => {
      const total = r.reduce((a, b) => a + b, 0) || 1;
      return el("tr", {}, el("th", { scope: "row", text: labels[i] }), ...r.map((n) => {
        const c = heat(n / total);
        const td = el("td", { class: "cell", text: String(n) });
        td.style.backgroundColor = c.bg;
        td.style.color = c.fg;
        return td;
      }));
    }));
  }

  async function modelActions(modelID) {
    const box = document.getElementById("model-actions");
    box.replaceChildren();
    let m;
    try {
      m = await api(`/models/${encodeURIComponent(modelID)}`);
    } catch (err) {
      return say("model-status", err.status === 404 ? "The trained model was deleted." : err.message, true);
    }
    const state = [m.active ? "the default" : "", m.ready ? "loaded" : "stored, not served"].filter(Boolean).join(", ");
    box.append(el("p", { id: "model-state", text: `Model ${m.name}:${m.version}: ${state}.` }));
    if (!admin) {
      if (!m.ready) box.append(el("p", { class: "muted", text: "An administrator loads it to serve it." }));
      return;
    }
    const act = (label, verb) => {
      const b = el("button", { type: "button", id: `model-${verb}`, text: label });
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          await api(`/models/${encodeURIComponent(modelID)}/${verb}`, { method: "POST" });
          say("model-status", `${label}: done.`);
          modelActions(modelID);
        } catch (err) {
          say("model-status", err.message, true);
          b.disabled = false;
        }
      });
      box.append(b);
    };
    if (!m.ready) act("Load and serve it", "load");
    if (!m.active) act("Make it the default", "activate");
  }

  async function report() {
    const r = await api(`${path}/report`);
    const rep = r.report;
    document.getElementById("report-summary").textContent =
      `Best epoch ${rep.best_epoch}: accuracy ${pct(rep.accuracy)}, macro F1 ${rep.macro_f1.toFixed(3)} on ${rep.total} validation photos; ` +
      `answers below ${pct(rep.unknown_threshold)} confidence are unknown.`;
    document.querySelector("#class-table tbody").replaceChildren(...rep.per_class.map((c) =>
      row(c.label, c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), c.support)));
    confusion(rep.labels, rep.confusion);
    document.getElementById("model-card").textContent = r.model_card;
    document.getElementById("report").hidden = false;
    await modelActions(r.model_id);
  }

  async function ended() {
    const j = await refresh(true);
    if (j.status === "completed") await report();
    detail.setAttribute("aria-busy", "false");
  }

  async function open() {
    let j;
    try {
      j = await refresh(true);
    } catch (err) {
      return say("job-status", err.status === 404 ? "Training job not found." : err.message, true);
    }
    if (j.request) recipe(j.request);
    detail.hidden = false;
    detail.setAttribute("aria-busy", "true");
    if (finished(j.status)) return ended();
    const stream = new EventSource(`${AquaML.prefix}${path}/events`);
    stream.addEventListener("progress", (e) => {
      const cur = JSON.parse(e.data);
      update(cur);
      if (cur.progress.epoch !== epochShown) refresh(false).catch((err) => say("job-status", err.message, true));
    });
    stream.addEventListener("end", () => {
      stream.close();
      ended().catch((err) => say("job-status", err.message, true));
    });
  }

  document.getElementById("job-cancel").addEventListener("click", async () => {
    try {
      update(await api(`${path}/cancel`, { method: "POST" }));
    } catch (err) {
      say("job-status", err.message, true);
    }
  });

  open().catch((err) => say("job-status", err.message, true));
})();
