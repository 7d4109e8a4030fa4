// The operations page (admins): health, queue depths, users.
"use strict";
(() => {
  const { api, el, row, say } = AquaML;

  async function health() {
    // /health/detailed answers 503 with the same body when a critical check is down.
    const res = await fetch("/health/detailed", { credentials: "same-origin", headers: { Accept: "application/json" } });
    const h = await res.json();
    document.getElementById("health-status").textContent = h.status;
    const body = document.querySelector("#health-table tbody");
    body.replaceChildren();
    for (const [name, c] of Object.entries(h.checks || {})) {
      body.append(row(name, c.status + (c.critical ? " (critical)" : ""), `${c.latency_ms.toFixed(1)} ms`,
        c.error || Object.entries(c.details || {}).map(([k, v]) => `${k}: ${v}`).join(", ")));
    }
  }

  async function queues() {
    const q = await api("/admin/queues");
    const body = document.querySelector("#queue-table tbody");
    body.replaceChildren();
    for (const x of q.queues) {
      body.append(row(x.queue, x.pending, x.active, x.retry, x.archived, x.processed_today, x.failed_today));
    }
  }

  let page = 1;
  async function users(reset) {
    if (reset) page = 1;
    const p = await api(`/users?page=${page}&page_size=50`);
    const body = document.querySelector("#user-table tbody");
    if (page === 1) body.replaceChildren();
    for (const u of p.items) {
      const label = u.is_active ? "Deactivate" : "Activate";
      const b = el("button", { type: "button", "aria-label": `${label} ${u.username}`, text: label });
      b.addEventListener("click", async () => {
        try {
          await api(`/users/${u.id}`, { method: "PATCH", json: { is_active: !u.is_active } });
          say("ops-status", `${u.username} ${u.is_active ? "deactivated" : "activated"}.`);
          users(true);
        } catch (err) {
          say("ops-status", err.message, true);
        }
      });
      body.append(row(u.username, u.email, u.role, u.is_active ? "yes" : "no", b));
    }
    const more = document.getElementById("users-more");
    more.hidden = !(p.total && p.total > page * 50);
    more.onclick = () => { page += 1; users(false); };
  }

  for (const f of [health, queues, () => users(true)]) {
    f().catch((err) => say("ops-status", err.message, true));
  }
})();
