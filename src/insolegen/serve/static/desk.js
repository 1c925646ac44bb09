// The order list and a designing order update without a reload: the list polls the server's
// states every 2 s; an order page still designing reloads itself once its revision is done.
"use strict";
(function () {
  const table = document.querySelector("table[data-live]");
  if (table) {
    setInterval(async () => {
      const r = await fetch(table.dataset.live, { credentials: "same-origin" });
      if (!r.ok) return;
      for (const o of (await r.json()).orders) {
        const row = table.querySelector(`tr[data-id="${o.id}"]`);
        if (!row) continue;
        const state = row.querySelector('[data-field="state"]');
        state.textContent = o.state;
        state.className = `state state-${o.state}`;
        row.querySelector('[data-field="age"]').textContent = o.age;
        row.querySelector('[data-field="revision"]').textContent = o.revision ?? "";
        row.querySelector('[data-field="checks"]').textContent =
          o.checks && o.checks.compared ? `${o.checks.ok} of ${o.checks.compared} within tolerance` : (o.reason || "—");
      }
    }, 2000);
  }
  const pending = document.querySelector("[data-poll]");
  if (pending) {
    setInterval(async () => {
      const r = await fetch("/desk/orders.json", { credentials: "same-origin" });
      if (!r.ok) return;
      const id = Number(pending.dataset.poll.split("/").pop());
      const o = (await r.json()).orders.find((x) => x.id === id);
      if (o && !["received", "designing"].includes(o.state)) location.reload();
    }, 700);
  }
})();
