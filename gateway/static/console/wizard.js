// 契約を締結: 文書情報の入力 → 入力内容の確認 → 署名位置の設定 → 送信する (S1–S16, B3).
// Plain JavaScript; pointer events carry mouse and touch alike.
"use strict";
(function () {
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const T = boot.t;
  const root = document.getElementById("wizard");
  const csrf = document.getElementById("csrf").value;
  const ROLES = ["tenant", "guarantor", "own_company", "agent", "landlord", "other"];
  const KINDS = ["corporation_registered", "corporation", "individual"];
  const DOCS = ["drivers_license", "passport", "my_number_card", "residence_card", "health_insurance_card"];
  const COLORS = ["#c8322b", "#1f6fb2", "#2e8b57", "#b8860b", "#7b3fa0", "#d2691e", "#008b8b", "#a0522d"];
  const MIN = { signature: 20, text: 20, checkbox: 10 };
  const SIZE = { signature: [60, 60], text: [150, 24], checkbox: [16, 16] };
  let uid = 0;
  const doc = boot.document;
  const state = {
    step: 2,
    parties: boot.contract_type.default_parties.map(newParty),
    info: { title: doc.filename.replace(/\.pdf$/i, ""), contract_date: "", amount: "", counterparty: "" },
    reminders: Object.assign({}, boot.reminders),
    boxes: [],
    current: null,
    errors: {},
    top: "",
  };

  function newParty(template) {
    return {
      uid: ++uid, role: template.role, kind: template.kind || "individual", name: "",
      recipient_name: "", person_in_charge: "", email: "", phone: "", mobile_acquired_on: "",
      access_code_on: false, access_code: "", access_code_hint: "", docs_on: false,
      required_documents: [], signer_change_allowed: false, signs: template.signs !== false,
      signing_order: template.signing_order || 1, comment: "",
    };
  }
  const individual = (p) => p.kind === "individual";
  const changeAllowed = (p) => individual(p) && (p.role === "landlord" || p.role === "other");
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const partyLabel = (p) => T["role_" + p.role] + (p.name ? " " + p.name : "");
  const color = (p) => COLORS[state.parties.indexOf(p) % COLORS.length];

  function setSteps() {
    document.querySelectorAll(".steps li").forEach((li) => {
      li.classList.toggle("on", Number(li.dataset.s) === state.step);
    });
  }

  // --- step 2: 文書情報の入力 -------------------------------------------------------------
  function err(pointer) {
    const m = state.errors[pointer];
    return m ? `<p class="field-error" data-pointer="${esc(pointer)}">${esc(m)}</p>` : "";
  }
  function input(p, i, name, label, help, type) {
    const ptr = `/parties/${i}/${name}`;
    return `<div class="f"><label for="p${p.uid}-${name}">${esc(label)}</label>
      <input id="p${p.uid}-${name}" data-k="${name}" type="${type || "text"}" value="${esc(p[name])}"
        class="${state.errors[ptr] ? "bad" : ""}">${help ? `<p class="help">${esc(help)}</p>` : ""}${err(ptr)}</div>`;
  }
  function partyCard(p) {
    const i = state.parties.indexOf(p);
    const ind = individual(p);
    const kinds = KINDS.map((k) => `<label class="check"><input type="radio" name="kind-${p.uid}" data-k="kind" value="${k}" ${p.kind === k ? "checked" : ""}> ${T["kind_" + k]}</label>`).join("");
    let h = `<div class="party" data-party="${i}" data-role="${p.role}" style="border-left-color:${color(p)}">
      <div class="party-head"><strong>${T["role_" + p.role]}</strong><span class="kinds">${kinds}</span></div>${err(`/parties/${i}`)}<div class="party-grid">`;
    if (ind) {
      h += `<div class="f"><span class="label">${T.access_code}</span><label class="check"><input type="checkbox" data-k="access_code_on" ${p.access_code_on ? "checked" : ""}> ${T.set}</label>
        ${p.access_code_on ? `<input data-k="access_code" id="p${p.uid}-access_code" value="${esc(p.access_code)}" class="${state.errors[`/parties/${i}/access_code`] ? "bad" : ""}">` : ""}
        <p class="help">${T.access_code_help}</p>${err(`/parties/${i}/access_code`)}</div>`;
      if (p.access_code_on) h += `<div class="f"><label for="p${p.uid}-access_code_hint">${T.access_code_hint}</label><input id="p${p.uid}-access_code_hint" data-k="access_code_hint" value="${esc(p.access_code_hint)}" placeholder="${esc(T.hint_placeholder)}">${err(`/parties/${i}/access_code_hint`)}</div>`;
    }
    if (changeAllowed(p)) {
      h += `<div class="f"><span class="label">${T.signer_change}</span><label class="check"><input type="checkbox" data-k="signer_change_allowed" ${p.signer_change_allowed ? "checked" : ""}> ${T.allow}</label><p class="help">${T.signer_change_help}</p></div>`;
    }
    h += `<div class="f"><span class="label">${T.required_documents}</span><label class="check"><input type="checkbox" data-k="docs_on" ${p.docs_on ? "checked" : ""}> ${T.needed}</label>`;
    if (p.docs_on) h += `<div class="docs">` + DOCS.map((d) => `<label class="check"><input type="checkbox" data-doc="${d}" ${p.required_documents.includes(d) ? "checked" : ""}> ${T["doc_" + d]}</label>`).join("") + `</div>`;
    h += `<p class="help">${T.required_documents_help}</p>${err(`/parties/${i}/required_documents`)}</div>`;
    h += input(p, i, "name", ind ? T.name_individual : T.name_corporation, ind ? T.name_help : "");
    if (!ind) {
      h += input(p, i, "recipient_name", T.recipient, T.recipient_help);
      h += input(p, i, "person_in_charge", T.person_in_charge, "");
    }
    h += input(p, i, "email", T.email, ind ? T.email_help_individual : T.email_help_corporation, "email");
    if (ind) {
      h += input(p, i, "phone", T.sms, T.sms_help, "tel");
      h += input(p, i, "mobile_acquired_on", T.acquired_on, T.acquired_on_help, "date");
    }
    h += `<div class="f"><span class="label">${T.signs}</span><label class="check"><input type="checkbox" data-k="signs" ${p.signs ? "checked" : ""}> ${T.request}</label><p class="help">${T.signs_help}</p></div>`;
    h += `<div class="f"><label for="p${p.uid}-comment">${T.comment}</label><textarea id="p${p.uid}-comment" data-k="comment" rows="2">${esc(p.comment)}</textarea><p class="help">${T.comment_help}</p>${err(`/parties/${i}/comment`)}</div>`;
    if (p.signs) h += input(p, i, "signing_order", T.order, T.order_help, "number");
    h += `</div><div class="party-actions"><button type="button" class="small" data-act="remove">${T.remove}</button> <button type="button" class="small" data-act="add">${T.add}</button></div></div>`;
    return h;
  }
  function infoSection() {
    const f = (name, label, type, help) => `<div class="f"><label for="info-${name}">${esc(label)}</label><input id="info-${name}" data-info="${name}" type="${type}" value="${esc(state.info[name])}" class="${state.errors["/" + name] || state.errors["/document_info/" + name] ? "bad" : ""}">${help ? `<p class="help">${esc(help)}</p>` : ""}${err("/" + name)}${err("/document_info/" + name)}</div>`;
    const r = (name, label) => `<div class="f"><label for="rem-${name}">${esc(label)}</label><input id="rem-${name}" data-rem="${name}" type="number" min="1" value="${esc(state.reminders[name])}">${err("/reminders/" + name)}</div>`;
    return `<section class="card"><h2>${T.document_info}</h2><div class="info-grid">
      ${f("title", T.title, "text")}${f("contract_date", T.contract_date, "date")}${f("amount", T.amount, "number")}${f("counterparty", T.counterparty, "text", T.counterparty_help)}</div></section>
      <section class="card"><h2>${T.reminders}</h2><div class="info-grid">
      ${r("remind_after_days", T.remind_after)}${r("remind_every_days", T.remind_every)}${r("expire_after_days", T.expire_after)}</div></section>`;
  }
  function renderInfo() {
    let h = state.top ? `<p class="error" role="alert">${esc(state.top)}</p>` : "";
    h += `<section class="card"><h2>${T.party}</h2>`;
    for (const role of ROLES) {
      const ps = state.parties.filter((p) => p.role === role);
      h += `<div class="role" data-role-section="${role}"><div class="role-head"><h3>${T["role_" + role]}</h3>`;
      if (role === "own_company" && !boot.certificate_option) h += `<span class="help">${T.own_company_note}</span>`;
      else h += `<button type="button" class="small" data-add="${role}">${T.add}</button>`;
      h += `</div>` + ps.map(partyCard).join("") + `</div>`;
    }
    h += `</section>` + infoSection();
    h += `<div class="actions"><a class="button" href="/console/send">${T.back}</a><button type="button" class="primary" data-go="3">${T.to_confirm}</button></div>`;
    root.innerHTML = h;
  }
  root.addEventListener("input", (e) => {
    const el = e.target;
    if (el.dataset.info) state.info[el.dataset.info] = el.value;
    if (el.dataset.rem) state.reminders[el.dataset.rem] = el.value;
    const card = el.closest(".party");
    if (!card) return;
    const p = state.parties[Number(card.dataset.party)];
    if (el.dataset.doc) {
      p.required_documents = DOCS.filter((d) => card.querySelector(`[data-doc="${d}"]`).checked);
    } else if (el.dataset.k) {
      const k = el.dataset.k;
      if (el.type === "checkbox") p[k] = el.checked;
      else if (el.type === "radio") { if (el.checked) p[k] = el.value; }
      else p[k] = el.value;
      if (["kind", "access_code_on", "docs_on", "signs"].includes(k)) {
        if (k === "kind" && !individual(p)) { p.phone = ""; p.mobile_acquired_on = ""; p.access_code_on = false; p.signer_change_allowed = false; }
        if (k === "kind" && individual(p)) { p.person_in_charge = ""; p.recipient_name = ""; }
        if (k === "docs_on" && p.docs_on && !p.required_documents.length) p.required_documents = ["drivers_license"];
        render();
      }
    }
  });
  root.addEventListener("click", (e) => {
    const el = e.target.closest("button,[data-go]");
    if (!el) return;
    if (el.dataset.add) { state.parties.push(newParty({ role: el.dataset.add, kind: "individual", signs: true, signing_order: nextOrder() })); render(); return; }
    const card = el.closest(".party");
    if (card && el.dataset.act === "remove") {
      const p = state.parties[Number(card.dataset.party)];
      state.parties.splice(state.parties.indexOf(p), 1);
      state.boxes = state.boxes.filter((b) => b.party !== p);
      state.errors = {};
      render(); return;
    }
    if (card && el.dataset.act === "add") {
      const p = state.parties[Number(card.dataset.party)];
      state.parties.splice(state.parties.indexOf(p) + 1, 0, newParty({ role: p.role, kind: p.kind, signs: true, signing_order: nextOrder() }));
      render(); return;
    }
    if (el.dataset.go) { go(Number(el.dataset.go)); }
  });
  function nextOrder() { return Math.max(0, ...state.parties.filter((p) => p.signs).map((p) => Number(p.signing_order) || 0)) + 1; }

  function validate() {
    const e = {};
    const need = (ptr, v) => { if (!String(v || "").trim()) e[ptr] = T.err_required; };
    need("/title", state.info.title);
    if (state.info.amount !== "" && !/^\d+$/.test(String(state.info.amount))) e["/document_info/amount"] = T.err_amount;
    for (const k of ["remind_after_days", "remind_every_days", "expire_after_days"]) {
      if (!(Number(state.reminders[k]) >= 1)) e["/reminders/" + k] = T.err_days;
    }
    state.parties.forEach((p, i) => {
      const at = (k) => `/parties/${i}/${k}`;
      need(at("name"), p.name);
      if (!individual(p)) need(at("recipient_name"), p.recipient_name);
      if (!p.email.trim() && !(individual(p) && p.phone.trim())) e[at("email")] = T.err_contact;
      if (p.email.trim() && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.email.trim())) e[at("email")] = T.err_email;
      if (individual(p) && p.phone.trim() && !/^0[789]0\d{8}$/.test(p.phone.trim())) e[at("phone")] = T.err_phone;
      if (individual(p) && p.access_code_on && !/^[A-Za-z0-9]+$/.test(p.access_code)) e[at("access_code")] = T.err_access_code;
      if (p.signs && !(Number(p.signing_order) >= 1 && Number(p.signing_order) <= 99)) e[at("signing_order")] = T.err_order;
    });
    if (!state.parties.some((p) => p.signs)) e["/parties"] = T.err_no_signer;
    state.errors = e;
    state.top = Object.keys(e).length ? (e["/parties"] || T.err_fix_above) : "";
    return !Object.keys(e).length;
  }

  // --- step 3: 入力内容の確認 ---------------------------------------------------------------
  function renderConfirm() {
    const row = (p) => {
      const ind = individual(p);
      return `<tr><td>${T["role_" + p.role]}</td><td>${T["kind_" + p.kind]}</td><td>${esc(p.name)}${!ind ? `<br><small>${T.recipient}: ${esc(p.recipient_name)}${p.person_in_charge ? ` / ${T.person_in_charge}: ${esc(p.person_in_charge)}` : ""}</small>` : ""}</td>
        <td>${esc(p.email) || T.none}</td><td>${ind && p.phone ? esc(p.phone) + (p.mobile_acquired_on ? `<br><small>${T.acquired_on}: ${esc(p.mobile_acquired_on)}</small>` : "") : T.none}</td>
        <td>${ind && p.access_code_on ? T.yes + (p.access_code_hint ? `<br><small>${esc(p.access_code_hint)}</small>` : "") : T.no}</td>
        <td>${p.docs_on ? p.required_documents.map((d) => T["doc_" + d]).join("、") : T.no}</td>
        <td>${p.signs ? T.request : T.share_only}</td><td>${p.signs ? esc(p.signing_order) : T.none}</td><td>${esc(p.comment) || T.none}</td></tr>`;
    };
    root.innerHTML = `<section class="card"><h2>${T.party}</h2><div class="scroll"><table class="grid confirm"><thead><tr><th>${T.party}</th><th>${T.kind}</th><th>${T.name_individual}</th><th>${T.email}</th><th>${T.sms}</th><th>${T.access_code}</th><th>${T.required_documents}</th><th>${T.signs}</th><th>${T.order}</th><th>${T.comment}</th></tr></thead><tbody>${state.parties.map(row).join("")}</tbody></table></div></section>
      <section class="card"><h2>${T.document_info}</h2><dl class="pairs"><dt>${T.title}</dt><dd>${esc(state.info.title)}</dd><dt>${T.contract_date}</dt><dd>${esc(state.info.contract_date) || T.none}</dd><dt>${T.amount}</dt><dd>${esc(state.info.amount) || T.none}</dd><dt>${T.counterparty}</dt><dd>${esc(state.info.counterparty) || T.none}</dd>
      <dt>${T.remind_after}</dt><dd>${esc(state.reminders.remind_after_days)} ${T.days}</dd><dt>${T.remind_every}</dt><dd>${esc(state.reminders.remind_every_days)} ${T.days}</dd><dt>${T.expire_after}</dt><dd>${esc(state.reminders.expire_after_days)} ${T.days}</dd></dl></section>
      <div class="actions"><button type="button" data-go="2">${T.back}</button><button type="button" class="primary" data-go="4">${T.to_place}</button></div>`;
  }

  // --- step 4: 署名位置の設定 ---------------------------------------------------------------
  function signers() { return state.parties.filter((p) => p.signs); }
  function renderPlace() {
    if (!signers().includes(state.current)) state.current = signers()[0];
    const partyChoice = signers().map((p) => `<label class="check chooser" style="--c:${color(p)}"><input type="radio" name="current" value="${p.uid}" ${p === state.current ? "checked" : ""}> ${esc(partyLabel(p))}</label>`).join("");
    const fieldErrors = Object.entries(state.errors).filter(([k]) => k.startsWith("/fields")).map(([, m]) => `<p class="field-error">${esc(m)}</p>`).join("");
    const sheets = doc.pages.map((pg, n) => `<figure class="sheet-wrap"><figcaption>${T.page} ${n + 1} / ${doc.pages.length}</figcaption>
      <div class="sheet" data-page="${n + 1}" style="aspect-ratio:${pg.width}/${pg.height}"><img src="/console/pages/${doc.id}/${n + 1}" alt="${T.page} ${n + 1}" draggable="false"></div></figure>`).join("");
    root.innerHTML = `${state.top ? `<p class="error place-alert" role="alert" ${state.topMissing ? 'data-missing="1"' : ""}>${esc(state.top)}</p>` : ""}${fieldErrors}
      <div class="place"><aside class="palette card"><p class="help">${T.place_lead}</p><div class="choose">${partyChoice}</div>
        <div class="tile" data-type="signature">${T.signature_box}</div><div class="tile" data-type="text">${T.text_area}</div><div class="tile" data-type="checkbox">${T.checkbox}</div>
        <p class="help">${T.place_rules}</p>
        <div class="actions stack"><button type="button" data-go="3">${T.back}</button><button type="button" class="primary" id="send">${T.send}</button></div></aside>
      <div class="pages">${sheets}</div></div>`;
    root.querySelectorAll('input[name="current"]').forEach((r) => r.addEventListener("change", () => { state.current = state.parties.find((p) => p.uid === Number(r.value)); }));
    root.querySelectorAll(".tile").forEach((tile) => tile.addEventListener("pointerdown", startNew));
    root.querySelector("#send").addEventListener("click", send);
    state.boxes.forEach(drawBox);
  }
  function sheetOf(page) { return root.querySelector(`.sheet[data-page="${page}"]`); }
  function scale(sheet) { const pg = doc.pages[Number(sheet.dataset.page) - 1]; return pg.width / sheet.getBoundingClientRect().width; }
  function clampBox(b) {
    const pg = doc.pages[b.page - 1];
    b.width = Math.max(MIN[b.type], Math.min(b.width, pg.width));
    b.height = Math.max(MIN[b.type], Math.min(b.height, pg.height));
    b.x = Math.max(0, Math.min(b.x, pg.width - b.width));
    b.y = Math.max(0, Math.min(b.y, pg.height - b.height));
  }
  function drawBox(b) {
    const sheet = sheetOf(b.page);
    if (!sheet) return;
    let el = sheet.querySelector(`[data-box="${b.uid}"]`);
    const pg = doc.pages[b.page - 1];
    if (!el) {
      el = document.createElement("div");
      el.className = "fbox " + b.type;
      el.dataset.box = b.uid;
      el.innerHTML = `<span class="fbox-label"></span><span class="fbox-tools">${b.type !== "signature" ? `<input class="lbl" maxlength="100" placeholder="${esc(T.label_placeholder)}" aria-label="${esc(T.label_placeholder)}" value="${esc(b.label || "")}"><label class="req"><input type="checkbox" ${b.required ? "checked" : ""}> ${T.required_toggle}</label>` : ""}<button type="button" class="x" title="${T.delete_box}" aria-label="${T.delete_box}">×</button></span><span class="grip"></span>`;
      sheet.appendChild(el);
      el.addEventListener("pointerdown", (e) => startMove(e, b, el));
      el.querySelector(".grip").addEventListener("pointerdown", (e) => startResize(e, b, el));
      el.querySelector(".x").addEventListener("click", () => { state.boxes.splice(state.boxes.indexOf(b), 1); el.remove(); refreshMissing(); });
      const req = el.querySelector(".req input");
      if (req) req.addEventListener("change", () => { b.required = req.checked; });
      const lbl = el.querySelector(".lbl");
      if (lbl) lbl.addEventListener("input", () => { b.label = lbl.value.trim() || null; });
    }
    el.style.left = (100 * b.x / pg.width) + "%";
    el.style.top = (100 * b.y / pg.height) + "%";
    el.style.width = (100 * b.width / pg.width) + "%";
    el.style.height = (100 * b.height / pg.height) + "%";
    el.style.setProperty("--c", color(b.party));
    el.classList.toggle("flip", b.x + b.width / 2 > pg.width / 2);
    el.querySelector(".fbox-label").textContent = `${partyLabel(b.party)}・${T[{ signature: "signature_box", text: "text_area", checkbox: "checkbox" }[b.type]]}`;
  }
  function startNew(e) {
    e.preventDefault();
    const type = e.currentTarget.dataset.type;
    const ghost = document.createElement("div");
    ghost.className = "ghost " + type;
    ghost.textContent = e.currentTarget.textContent;
    document.body.appendChild(ghost);
    const follow = (ev) => { ghost.style.left = ev.clientX + "px"; ghost.style.top = ev.clientY + "px"; };
    follow(e);
    const up = (ev) => {
      window.removeEventListener("pointermove", follow);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
      ghost.remove();
      const target = document.elementFromPoint(ev.clientX, ev.clientY);
      const sheet = target && target.closest(".sheet");
      if (!sheet || !state.current) return;
      const rect = sheet.getBoundingClientRect();
      const s = scale(sheet);
      const [w, h] = SIZE[type];
      const b = { uid: ++uid, party: state.current, type, page: Number(sheet.dataset.page), x: (ev.clientX - rect.left) * s - w / 2, y: (ev.clientY - rect.top) * s - h / 2, width: w, height: h, required: type === "text", label: null };
      clampBox(b);
      state.boxes.push(b);
      drawBox(b);
      refreshMissing();
    };
    window.addEventListener("pointermove", follow);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
  }
  function track(e, el, onMove) {
    e.preventDefault();
    e.stopPropagation();
    el.setPointerCapture(e.pointerId);
    const sheet = el.closest(".sheet");
    const s = scale(sheet);
    const x0 = e.clientX, y0 = e.clientY;
    const move = (ev) => onMove((ev.clientX - x0) * s, (ev.clientY - y0) * s);
    const up = () => { el.removeEventListener("pointermove", move); el.removeEventListener("pointerup", up); el.removeEventListener("pointercancel", up); };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
  }
  function startMove(e, b, el) {
    if (e.target.closest(".fbox-tools") || e.target.classList.contains("grip")) return;
    const x = b.x, y = b.y;
    track(e, el, (dx, dy) => { b.x = x + dx; b.y = y + dy; clampBox(b); drawBox(b); });
  }
  function startResize(e, b, el) {
    const w = b.width, h = b.height;
    track(e, e.currentTarget, (dx, dy) => { b.width = w + dx; b.height = h + dy; clampBox(b); drawBox(b); });
  }

  function payload() {
    const clean = (v) => (String(v || "").trim() ? String(v).trim() : null);
    return {
      title: state.info.title.trim(),
      contract_type: boot.contract_type.id,
      parties: state.parties.map((p) => {
        const ind = individual(p);
        return {
          role: p.role, kind: p.kind, name: p.name.trim(),
          recipient_name: ind ? null : clean(p.recipient_name),
          person_in_charge: ind ? null : clean(p.person_in_charge),
          email: clean(p.email), phone: ind ? clean(p.phone) : null,
          mobile_acquired_on: ind && clean(p.phone) ? clean(p.mobile_acquired_on) : null,
          required_documents: p.docs_on ? p.required_documents : [],
          signer_change_allowed: changeAllowed(p) && p.signer_change_allowed,
          signs: p.signs, signing_order: p.signs ? Number(p.signing_order) : null,
          access_code: ind && p.access_code_on ? p.access_code : null,
          access_code_hint: ind && p.access_code_on ? clean(p.access_code_hint) : null,
          comment: clean(p.comment),
        };
      }),
      fields: state.boxes.map((b) => ({ party: state.parties.indexOf(b.party), type: b.type, page: b.page, x: round(b.x), y: round(b.y), width: round(b.width), height: round(b.height), required: b.type === "signature" ? true : b.required, label: b.label })),
      reminders: { remind_after_days: Number(state.reminders.remind_after_days), remind_every_days: Number(state.reminders.remind_every_days), expire_after_days: Number(state.reminders.expire_after_days) },
      document_info: { contract_date: clean(state.info.contract_date), amount: clean(state.info.amount) === null ? null : Number(state.info.amount), counterparty: clean(state.info.counterparty) },
    };
  }
  const round = (v) => Math.round(v * 100) / 100;

  function missingSignatures() {
    return signers().filter((p) => !state.boxes.some((b) => b.party === p && b.type === "signature"));
  }
  function refreshMissing() {
    const alert = root.querySelector(".place-alert");
    if (!alert || !alert.dataset.missing) return;
    const missing = missingSignatures();
    alert.textContent = missing.length ? T.err_signature_missing + " " + missing.map(partyLabel).join("、") : "";
    alert.hidden = !missing.length;
    if (!missing.length) state.top = "";
  }
  async function send() {
    const missing = missingSignatures();
    if (missing.length) {
      state.top = T.err_signature_missing + " " + missing.map(partyLabel).join("、");
      state.topMissing = true;
      renderPlace();
      return;
    }
    const button = root.querySelector("#send");
    button.disabled = true;
    button.textContent = T.sending;
    let response, body;
    try {
      response = await fetch(location.pathname, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(payload()) });
      body = await response.json();
    } catch (ex) {
      state.top = String(ex);
      renderPlace();
      return;
    }
    if (response.ok && body.redirect) { location.assign(body.redirect); return; }
    state.topMissing = false;
    state.errors = {};
    for (const e of body.errors || []) state.errors[e.pointer] = e.detail;
    state.top = body.detail || T.err_fix_above;
    const onInfo = Object.keys(state.errors).some((k) => !k.startsWith("/fields"));
    state.step = onInfo ? 2 : 4;
    render();
  }

  function go(step) {
    if (step > 2 && state.step === 2 && !validate()) { render(); focusError(); return; }
    state.top = "";
    state.step = step;
    render();
    window.scrollTo(0, 0);
  }
  function focusError() { const bad = root.querySelector(".field-error, .error"); if (bad) bad.scrollIntoView({ block: "center" }); }
  function render() {
    setSteps();
    if (state.step === 2) renderInfo();
    else if (state.step === 3) renderConfirm();
    else renderPlace();
  }
  render();
})();
