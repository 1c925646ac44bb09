// The order list and a designing order update without a reload: the list polls the server's
// states every 2 s (and reloads when an order comes or goes under its filters); an order page still
// designing asks for its order every 150 ms and reloads itself once its revision is done.
"use strict";
(function () {
  const table = document.querySelector("table[data-live]");
  if (table) {
    setInterval(async () => {
      const r = await fetch(table.dataset.live, { credentials: "same-origin" });
      if (!r.ok) return;
      const listed = (await r.json()).orders;
      const shown = table.querySelectorAll("tr[data-id]");
      if (listed.length !== shown.length || listed.some((o) => !table.querySelector(`tr[data-id="${o.id}"]`))) {
        location.reload();             // an order came (or went) under these filters: the list as the server sorts it
        return;
      }
      for (const o of listed) {
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
  // the order page: a revision still designing, the landmarks' pictures, and the forms that make a
  // revision, which swap in the new page's main part (no navigation: the new 3D view starts loading
  // the moment the revision is designed)
  const orderPage = (root) => {
    const pending = root.querySelector("[data-poll]");
    if (pending) {
      const id = Number(pending.dataset.poll.split("/").pop());
      const poll = async () => {
        const r = await fetch(`/api/v1/orders/${id}`, { credentials: "same-origin" });
        const o = r.ok ? await r.json() : null;
        if (o && !["received", "designing"].includes(o.state)) location.reload();
        else setTimeout(poll, 150);
      };
      poll();
    }

    // a landmark dragged on a foot's picture: its new place in that picture's pixels, sent with the form
    const moved = root.querySelector("#moved");
    const changes = {};
    for (const svg of root.querySelectorAll("svg.foot")) {
      if (!moved) break;
      let held = null;
      const toPicture = (event) => {
        const p = svg.createSVGPoint();
        p.x = event.clientX; p.y = event.clientY;
        return p.matrixTransform(svg.getScreenCTM().inverse());
      };
      const place = (g, x, y) => {
        for (const c of g.querySelectorAll("circle")) { c.setAttribute("cx", x); c.setAttribute("cy", y); }
        const t = g.querySelector("text");
        t.setAttribute("x", x + svg.viewBox.baseVal.width / 100); t.setAttribute("y", y);
        g.classList.add("moved");
        const role = ((changes[svg.dataset.role] ??= {})[g.dataset.side] ??= {});
        role[g.dataset.name] = [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
        moved.value = JSON.stringify(changes);
        document.getElementById("moved-text").textContent = "Moved: " + Object.values(changes)
          .flatMap((sides) => Object.entries(sides).flatMap(([side, marks]) => Object.keys(marks).map((n) => `${side} ${n}`)))
          .join(", ");
        document.getElementById("redesign-landmarks").disabled = false;
      };
      svg.addEventListener("pointerdown", (e) => {
        held = e.target.closest(".mark");
        if (held) { svg.setPointerCapture(e.pointerId); e.preventDefault(); }
      });
      svg.addEventListener("pointermove", (e) => { if (held) { const p = toPicture(e); place(held, p.x, p.y); } });
      svg.addEventListener("pointerup", () => { held = null; });
      svg.addEventListener("keydown", (e) => {      // the keyboard moves a focused landmark a pixel at a time (10 with Shift)
        const g = e.target.closest(".mark");
        const step = e.shiftKey ? 10 : 1;
        const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
        if (!g || !d) return;
        const c = g.querySelector(".dot");
        place(g, Number(c.getAttribute("cx")) + d[0], Number(c.getAttribute("cy")) + d[1]);
        e.preventDefault();
      });
    }
    for (const form of root.querySelectorAll("form[data-swap]")) {
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        for (const b of form.querySelectorAll("button")) { b.disabled = true; b.textContent = "Redesigning…"; }
        try {
          const r = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
          const page = new DOMParser().parseFromString(await r.text(), "text/html");
          const main = page.querySelector("main");
          if (!main) { location.reload(); return; }
          document.querySelector("main").replaceWith(main);
          document.title = page.title;
          orderPage(main);
          (main.querySelector('[role="alert"]') || main.querySelector("h2"))?.focus?.();
        } catch (err) {
          form.submit();                // the plain way: the server answers with the page
        }
      });
    }
  };
  orderPage(document);
})();
