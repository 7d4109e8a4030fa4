// Shared by every page: calls to the JSON API with the session cookie,
// repeating the CSRF token on writes, and small DOM helpers.
"use strict";
const AquaML = (() => {
  const meta = (n) => document.querySelector(`meta[name="${n}"]`).content;
  const prefix = meta("api-prefix");
  const csrf = meta("csrf-token");

  // APIError carries the API's {"error":{"code","message"}}.
  class APIError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || `request failed (${status})`);
      this.status = status;
      this.code = body && body.error && body.error.code;
      this.body = body;
    }
  }

  async function api(path, opts = {}) {
    const init = { method: opts.method || "GET", credentials: "same-origin", headers: { Accept: "application/json" } };
    if (init.method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    if (opts.json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.json);
    } else if (opts.body) {
      init.body = opts.body;
    }
    const res = await fetch(opts.absolute ? path : prefix + path, init);
    if (res.status === 401 && !opts.noReload) {
      // The access token expired: the page renews it from the refresh cookie.
      location.reload();
      throw new APIError(401, null);
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!res.ok) throw new APIError(res.status, body);
    return body;
  }

  // upload posts a form with XMLHttpRequest, which (unlike fetch) reports
  // the upload's progress, onto the progress element bar.
  function upload(path, data, bar) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", prefix + path);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      bar.value = 0;
      xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; });
      xhr.addEventListener("load", () => {
        let b = null;
        try { b = JSON.parse(xhr.responseText); } catch (e) { b = null; }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          resolve(b);
        } else {
          reject(new APIError(xhr.status, b));
        }
      });
      xhr.addEventListener("error", () => reject(new Error("the upload failed: check the connection")));
      xhr.send(data);
    });
  }

  // problem is an API error in words, with the fields it names.
  function problem(err) {
    const fields = err.body && err.body.error && err.body.error.fields;
    if (!fields) return err.message;
    return `${err.message}: ${Object.entries(fields).map(([k, v]) => `${k} ${v}`).join("; ")}`;
  }

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  function row(...cells) {
    return el("tr", {}, ...cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: c == null ? "" : String(c) }))));
  }

  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const when = (s) => (s ? new Date(s).toLocaleString() : "");
  const say = (id, msg, bad) => {
    const n = document.getElementById(id);
    n.textContent = msg;
    n.className = bad ? "error" : "";
  };

  return { prefix, csrf, api, upload, problem, el, row, pct, when, say, APIError };
})();
