"use strict";
// The minutes web page: plain JavaScript, no build step, no external assets.
// Every piece of user data is inserted with textContent, never as HTML.

const COLORS = ["#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#c2185b", "#66a61e",
  "#a6761d", "#e6ab02", "#0097a7", "#5d4037"];
const FORMATS = ["docx", "srt", "vtt", "txt", "md", "json", "rttm"];

const state = { me: null, lang: "en", streams: [] };

// ---------------------------------------------------------------- utilities
function t(key, vars = {}) {
  const table = window.I18N[state.lang] || window.I18N.en;
  const text = table[key] ?? window.I18N.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const svgNS = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, opts = {}) {
  const init = { credentials: "same-origin", ...opts };
  if (opts.json !== undefined) {
    init.body = JSON.stringify(opts.json);
    init.headers = { "Content-Type": "application/json", ...(opts.headers || {}) };
  }
  const r = await fetch(path, init);
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, (body && body.error && body.error.message) || r.statusText);
  return body;
}

function clock(seconds) {
  const x = Math.max(0, Math.floor(seconds || 0));
  const hh = Math.floor(x / 3600), mm = Math.floor((x % 3600) / 60), ss = x % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

function when(iso) {
  const d = new Date(iso);
  return d.toLocaleString(state.lang === "en" ? "en-GB" : "zh-HK",
    { dateStyle: "medium", timeStyle: "short" });
}

let toastTimer = 0;
function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = `show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = ""; }, 4000);
}

function fail(err) {
  if (err instanceof ApiError && err.status === 401) { location.hash = "#/login"; return; }
  toast(t("error", { msg: err.message || String(err) }), "error");
}

function closeStreams() {
  for (const es of state.streams) es.close();
  state.streams = [];
}

function languageLabel(code) { return ["yue", "zh", "en", "mixed"].includes(code) ? t(code) : code; }

function statusLabel(meeting) {
  const job = meeting.job;
  if (meeting.status === "processing" && job && job.stage) {
    return `${t("stage_" + job.stage)} · ${Math.round(job.progress * 100)}%`;
  }
  return t("st_" + meeting.status);
}

// ---------------------------------------------------------------- chrome
function renderChrome() {
  document.documentElement.lang = state.lang === "en" ? "en" : "zh-HK";
  document.title = "minutes";
  const toggle = document.getElementById("lang-toggle");
  toggle.textContent = t("langName");
  toggle.title = state.lang === "en" ? "切換到繁體中文" : "Switch to English";
  const out = document.getElementById("sign-out");
  out.textContent = t("signOut");
  out.hidden = !state.me;
  document.getElementById("whoami").textContent = state.me ? state.me.username : "";
}

// ---------------------------------------------------------------- views
function viewLogin(root) {
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "card login", onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      const r = await api("/api/auth/login", { method: "POST",
        json: { username: data.get("username"), password: data.get("password") } });
      state.me = r.user;
      location.hash = "#/";
    } catch (err) { error.textContent = err.message; }
  } },
  h("h1", {}, t("signInTitle")),
  h("p", { class: "muted" }, t("signInHint")),
  h("label", {}, t("username"), h("input", { name: "username", autocomplete: "username", required: true, autofocus: true })),
  h("label", {}, t("password"), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
  error,
  h("button", { type: "submit", class: "primary" }, t("signIn")));
  root.append(form);
}

async function viewList(root) {
  const status = h("p", { class: "upload-status", role: "status" });
  const bar = h("progress", { max: 100, value: 0, hidden: true });
  const fileInput = h("input", { type: "file", id: "file", accept: "audio/*,video/*", class: "visually-hidden" });
  const langSel = h("select", { name: "language", id: "upload-language" },
    ["auto", "yue", "zh", "en"].map((v) => h("option", { value: v }, t(v))));
  const spk = h("input", { type: "number", min: 1, max: 20, name: "num_speakers", id: "upload-speakers", placeholder: t("speakersAuto") });
  const spkMin = h("input", { type: "number", min: 1, max: 20, name: "min_speakers", id: "upload-min-speakers", placeholder: "1" });
  const spkMax = h("input", { type: "number", min: 1, max: 20, name: "max_speakers", id: "upload-max-speakers", placeholder: "10" });
  const scriptSel = h("select", { name: "script", id: "upload-script" },
    ["hk", "tw", "cn", "auto"].map((v) => h("option", { value: v }, t("script_" + v))));
  const terms = h("textarea", { name: "glossary", id: "upload-glossary", rows: 2, maxlength: 100000,
    placeholder: t("glossaryPlaceholder"), spellcheck: "false" });
  const drop = h("label", { for: "file", class: "dropzone", tabindex: 0 },
    h("strong", {}, t("upload")), h("span", { class: "muted" }, t("dropHere")));
  const send = (file) => uploadFile(file, { language: langSel.value, num_speakers: spk.value,
    min_speakers: spkMin.value, max_speakers: spkMax.value,
    script: scriptSel.value, glossary: terms.value }, bar, status);
  fileInput.addEventListener("change", () => { if (fileInput.files[0]) send(fileInput.files[0]); fileInput.value = ""; });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fileInput.click(); } });
  for (const ev of ["dragenter", "dragover"]) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files[0]) send(e.dataTransfer.files[0]); });

  const results = h("div", { class: "search-results" });
  const search = h("form", { class: "search", role: "search", onsubmit: (e) => { e.preventDefault(); runSearch(query.value, results); } });
  const query = h("input", { type: "search", name: "q", placeholder: t("searchPlaceholder"), "aria-label": t("search") });
  search.append(query, h("button", { type: "submit" }, t("search")));

  const table = h("div", { class: "meeting-list", id: "meeting-list" });
  root.append(
    h("section", { class: "card upload" }, drop, fileInput,
      h("div", { class: "upload-options" },
        h("label", {}, t("language"), langSel), h("label", {}, t("speakerCount"), spk),
        h("label", {}, t("speakersAtLeast"), spkMin), h("label", {}, t("speakersAtMost"), spkMax),
        h("label", {}, t("script"), scriptSel),
        h("label", { class: "wide" }, t("meetingGlossary"), terms)),
      bar, status),
    h("section", { class: "card" }, search, results),
    h("section", { class: "card" }, h("h2", {}, t("meetings")), table),
    voicesCard(),
    glossaryCard());
  await refreshList(table);
}

function voicesCard() {
  const card = h("section", { class: "card voices", id: "voices" }, h("h2", {}, t("voices")));
  const list = h("ul", { class: "voice-list" });
  card.append(h("p", { class: "muted small" }, t("voicesHint")), list);
  api("/api/voiceprints").then((data) => {
    if (!data.voiceprints.length) { list.append(h("li", { class: "muted" }, t("noVoices"))); return; }
    for (const v of data.voiceprints) {
      const del = h("button", { type: "button", class: "ghost danger", "aria-label": `${t("forget")} ${v.name}`, onclick: async () => {
        if (!confirm(t("confirmForget", { name: v.name }))) return;
        try { await api(`/api/voiceprints/${v.id}`, { method: "DELETE" }); li.remove(); toast(t("forgotten", { name: v.name })); } catch (err) { fail(err); }
      } }, t("forget"));
      const li = h("li", { dataset: { id: v.id } }, h("span", { class: "name" }, v.name),
        h("span", { class: "muted small" }, `${Math.round(v.seconds)} s · ${v.source}`),
        v.needs_reenrolment && h("span", { class: "bad small" }, t("reenrol")), del);
      list.append(li);
    }
  }, fail);
  return card;
}

function glossaryCard() {
  const text = h("textarea", { id: "global-glossary", rows: 6, maxlength: 262144, spellcheck: "false",
    placeholder: t("glossaryPlaceholder"), "aria-label": t("glossary") });
  const info = h("p", { class: "muted small", role: "status" });
  const show = (g) => {
    text.value = g.text;
    info.textContent = !g.entries ? t("noGlossary")
      : t(g.entries === 1 ? "glossaryOne" : "glossaryEntries", { n: g.entries });
  };
  const save = h("button", { type: "submit", class: "primary" }, t("save"));
  const form = h("form", { class: "card glossary", id: "glossary", onsubmit: async (e) => {
    e.preventDefault();
    save.disabled = true;
    try { show(await api("/api/glossary", { method: "PUT", json: { text: text.value } })); toast(t("glossarySaved")); }
    catch (err) { fail(err); }
    finally { save.disabled = false; }
  } }, h("h2", {}, t("glossary")), h("p", { class: "muted small" }, t("glossaryHint")), text, info, save);
  // The stored glossary arrives after the page is drawn: it must not replace what
  // someone has already started typing.
  let typed = false;
  text.addEventListener("input", () => { typed = true; });
  api("/api/glossary").then((g) => { if (!typed) show(g); }, fail);
  return form;
}

function uploadFile(file, options, bar, status) {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("language", options.language);
  if (options.num_speakers) form.append("num_speakers", options.num_speakers);
  if (options.min_speakers) form.append("min_speakers", options.min_speakers);
  if (options.max_speakers) form.append("max_speakers", options.max_speakers);
  if (options.script) form.append("script", options.script);
  if (options.glossary && options.glossary.trim()) form.append("glossary", options.glossary);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/meetings");
  bar.hidden = false;
  bar.value = 0;
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    const pct = Math.round((e.loaded / e.total) * 100);
    bar.value = pct;
    status.textContent = t("uploading", { name: file.name, pct });
  };
  xhr.onload = () => {
    bar.hidden = true;
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status === 202) {
      status.textContent = t("uploaded", { name: file.name });
      refreshList(document.getElementById("meeting-list"));
    } else {
      status.textContent = t("error", { msg: (body.error && body.error.message) || xhr.statusText });
      status.classList.add("bad");
    }
  };
  xhr.onerror = () => { bar.hidden = true; status.textContent = t("error", { msg: "network" }); };
  status.classList.remove("bad");
  xhr.send(form);
}

async function refreshList(table) {
  if (!table) return;
  closeStreams();
  let data;
  try { data = await api("/api/meetings"); } catch (err) { fail(err); return; }
  table.replaceChildren();
  if (!data.meetings.length) { table.append(h("p", { class: "muted empty" }, t("noMeetings"))); return; }
  const head = h("div", { class: "row head" },
    h("span", {}, t("title")), h("span", {}, t("date")), h("span", {}, t("duration")),
    h("span", {}, t("languages")), h("span", {}, t("speakers")), h("span", {}, t("status")));
  table.append(head);
  for (const m of data.meetings) {
    const statusEl = h("span", { class: `status st-${m.status}` }, statusLabel(m));
    const langs = Object.entries(m.languages || {}).sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${languageLabel(k)} ${Math.round(v * 100)}%`).join(" · ");
    table.append(h("a", { class: "row", href: `#/m/${m.id}`, dataset: { id: m.id } },
      h("span", { class: "title" }, m.title),
      h("span", {}, when(m.created_at)),
      h("span", {}, m.duration ? clock(m.duration) : "–"),
      h("span", {}, langs || "–"),
      h("span", {}, m.speaker_count || "–"),
      statusEl));
    if (m.status === "queued" || m.status === "processing") {
      follow(m.id, (st) => {
        statusEl.textContent = statusLabel({ status: st.status, job: st.job });
        statusEl.className = `status st-${st.status}`;
      }, () => refreshList(table));
    }
  }
}

function follow(id, onProgress, onEnd) {
  const es = new EventSource(`/api/meetings/${id}/events`);
  es.addEventListener("progress", (e) => onProgress(JSON.parse(e.data)));
  es.addEventListener("end", () => { es.close(); onEnd(); });
  es.onerror = () => es.close();
  state.streams.push(es);
}

async function runSearch(q, results) {
  results.replaceChildren();
  if (!q.trim()) return;
  let data;
  try { data = await api(`/api/search?q=${encodeURIComponent(q)}`); } catch (err) { fail(err); return; }
  if (!data.hits.length) { results.append(h("p", { class: "muted" }, t("noHits", { q }))); return; }
  results.append(h("p", { class: "muted" }, t("hits", { n: data.hits.length })));
  const list = h("ul", { class: "hits" });
  for (const hit of data.hits) {
    list.append(h("li", {}, h("a", { href: `#/m/${hit.meeting_id}?t=${hit.start.toFixed(2)}&u=${hit.utterance_id}` },
      h("span", { class: "hit-meta" }, `${hit.meeting_title} · ${clock(hit.start)}`),
      h("span", { class: "hit-text" }, hit.text))));
  }
  results.append(list);
}

// ---------------------------------------------------------------- meeting page
async function viewMeeting(root, id, params) {
  let meeting;
  try { meeting = (await api(`/api/meetings/${id}`)).meeting; } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      root.append(h("section", { class: "card" }, h("h1", {}, t("notFound")), h("a", { href: "#/" }, t("back"))));
      return;
    }
    throw err;
  }
  const back = h("a", { href: "#/", class: "back" }, `← ${t("back")}`);
  if (meeting.status !== "ready") {
    const label = h("p", { class: "status-line" }, statusLabel(meeting));
    const bar = h("progress", { max: 100, value: Math.round((meeting.job ? meeting.job.progress : 0) * 100) });
    const note = h("p", { class: "muted" }, pendingNote(meeting.status));
    const card = h("section", { class: "card pending" }, back, h("h1", {}, meeting.title),
      note, bar, label);
    if (meeting.status === "failed") {
      card.append(h("p", { class: "bad" }, t("failedBecause", { msg: meeting.error || "" })));
    }
    if (meeting.status === "queued" || meeting.status === "processing") {
      card.append(h("button", { type: "button", onclick: () => api(`/api/meetings/${id}/cancel`, { method: "POST" }).catch(fail) }, t("cancelJob")));
      const heard = h("div", { class: "preview", hidden: true, "aria-live": "polite" });
      card.append(heard);
      follow(id, (st) => {
        label.textContent = statusLabel({ status: st.status, job: st.job });
        note.textContent = pendingNote(st.status);
        if (st.job) bar.value = Math.round(st.job.progress * 100);
        showPreview(heard, st.preview || []);
      }, () => route());
    } else {
      card.append(h("button", { type: "button", onclick: () => api(`/api/meetings/${id}/retry`, { method: "POST" }).then(route, fail) }, t("retry")));
    }
    root.append(card);
    return;
  }
  const transcript = await api(`/api/meetings/${id}/transcript`);
  renderMeeting(root, meeting, transcript, back, params);
}

// What the reader can expect while a meeting is not ready: queued, running or ended badly.
function pendingNote(status) {
  if (status === "queued") return t("waitingQueued");
  if (status === "processing") return t("waitingRunning");
  return "";
}

// Lines as the recogniser first reads them, while the job runs: time and text only,
// newest at the bottom, kept in view unless the reader has scrolled up.
function showPreview(box, lines) {
  if (!lines.length) return;
  const atEnd = box.hidden || box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  box.replaceChildren(h("p", { class: "muted note" }, t("previewNote")),
    ...lines.map((l) => h("p", { class: "heard" }, h("span", { class: "time" }, clock(l.start)), " ", l.text)));
  box.hidden = false;
  if (atEnd) box.scrollTop = box.scrollHeight;
}

// An uncertain speaker count (types: metadata.speaker_count_range) can be settled by
// transcribing again with the count the reader knows; corrections are replaced.
function countAgain(id, transcript) {
  const span = (transcript.metadata || {}).speaker_count_range;
  if (!span || span[1] <= span[0]) return null;
  const found = transcript.speakers.length;
  const counts = [];
  for (let n = span[0]; n <= span[1]; n++) counts.push(n);
  const pick = h("select", { "aria-label": t("speakerCount"), class: "again-count" },
    ...counts.map((n) => h("option", { value: n, selected: n === (counts.find((c) => c !== found) ?? found) }, String(n))));
  const go = h("button", { type: "button", class: "again", onclick: async () => {
    const n = Number(pick.value);
    if (!confirm(t("confirmAgain", { n }))) return;
    go.disabled = true;
    try {
      await api(`/api/meetings/${id}/transcribe-again`, { method: "POST", json: { num_speakers: n } });
      toast(t("queuedAgain"));
      route();
    } catch (err) { fail(err); go.disabled = false; }
  } }, t("transcribeAgain"));
  return h("p", { class: "again-row" },
    h("label", {}, t("speakersWere"), " ", pick, " ", t("speakersUnit")), " ", go);
}

function speakerColors(transcript) {
  const map = new Map();
  transcript.speakers.forEach((sp, i) => map.set(sp.id, COLORS[i % COLORS.length]));
  return map;
}

function renderMeeting(root, meeting, transcript, back, params) {
  const id = meeting.id;
  const colors = speakerColors(transcript);
  const names = new Map(transcript.speakers.map((sp) => [sp.id, sp.name]));
  const segments = transcript.segments;

  const audio = h("audio", { controls: true, preload: "metadata", src: `/api/meetings/${id}/audio`, id: "player" });
  const langs = Object.entries(transcript.language_share || {}).sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${languageLabel(k)} ${Math.round(v * 100)}%`).join(" · ");

  // Transcript lines.
  const lines = h("ol", { class: "transcript", id: "transcript", "aria-label": t("transcript") });
  const items = segments.map((u, index) => {
    // An interjection heard only over someone else has no words (types.Utterance.over):
    // say who it talked over; the edit box starts empty so the words can be typed.
    const text = u.text ? h("span", { class: "text" }, u.text)
      : h("span", { class: "text unheard" }, t("spokeOver", { name: names.get(u.over) || u.over || "?" }));
    const unclear = u.text !== "" && (u.confidence ?? 1) < 0.5;  // types.UNCLEAR
    const li = h("li", { class: unclear ? "utt unclear" : "utt", tabindex: 0, title: unclear ? t("unclearAudio") : undefined,
      dataset: { id: u.id, start: u.start, end: u.end, index } },
      h("button", { type: "button", class: "who", style: `--c:${colors.get(u.speaker) || "#555"}`, title: t("whoSaid") }, names.get(u.speaker) || u.speaker),
      h("button", { type: "button", class: "time", tabindex: -1, title: t("play") }, clock(u.start)),
      h("span", { class: `lang lang-${u.language}` }, u.language),
      text,
      h("button", { type: "button", class: "edit ghost", "aria-label": t("edit") }, "✎"));
    li.addEventListener("click", (e) => {
      if (e.target.closest(".edit, .who, .who-pick") || li.classList.contains("editing")) return;
      seek(u.start);
    });
    li.querySelector(".edit").addEventListener("click", () => startEdit(li, u));
    li.querySelector(".who").addEventListener("click", () => pickSpeaker(li, u));
    return li;
  });
  lines.append(...items);

  function seek(time, play = true) {
    audio.currentTime = time;
    if (play) audio.play().catch(() => { /* autoplay may be refused; position is set */ });
    highlight(time, true);
  }

  let current = -1;
  function highlight(time, scroll) {
    let found = -1;
    for (let i = 0; i < segments.length; i++) {
      if (segments[i].start <= time + 0.05) found = i; else break;
    }
    if (found === current) return;
    if (current >= 0 && items[current]) items[current].classList.remove("current");
    current = found;
    if (current >= 0) {
      items[current].classList.add("current");
      if (scroll && !document.querySelector(".utt.editing")) items[current].scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }
  audio.addEventListener("timeupdate", () => { highlight(audio.currentTime, true); playhead(audio.currentTime); });

  function startEdit(li, u) {
    if (li.classList.contains("editing")) return;
    li.classList.add("editing");
    const textEl = li.querySelector(".text");
    const area = h("textarea", { class: "edit-box", rows: 3, "aria-label": t("edit") });
    area.value = u.text;
    const save = async () => {
      try {
        const r = await api(`/api/meetings/${id}/utterances/${u.id}`, { method: "PATCH", json: { text: area.value } });
        textEl.textContent = r.utterance.text;
        textEl.classList.remove("unheard");
        u.text = r.utterance.text;
        u.confidence = 1;  // a person's correction is certain
        li.classList.remove("unclear");
        li.removeAttribute("title");
        toast(t("saved"));
        done();
      } catch (err) { fail(err); }
    };
    // Someone else's words inside the line: cut at the cursor; the rest becomes a new
    // line whose name can then be changed (pickSpeaker).
    const splitHere = async () => {
      const at = area.selectionStart - (area.value.length - area.value.trimStart().length);
      try {
        if (area.value.trim() !== u.text) {
          await api(`/api/meetings/${id}/utterances/${u.id}`, { method: "PATCH", json: { text: area.value } });
        }
        await api(`/api/meetings/${id}/utterances/${u.id}/split`, { method: "POST", json: { at } });
        toast(t("splitDone"));
        route();
      } catch (err) { fail(err); }
    };
    // Words the recogniser invented in noise, or an interjection nobody made.
    const removeLine = async () => {
      if (!confirm(t("confirmRemove"))) return;
      try {
        await api(`/api/meetings/${id}/utterances/${u.id}`, { method: "DELETE" });
        toast(t("removed"));
        route();
      } catch (err) { fail(err); }
    };
    // The line's language was decided wrong: the server recognises it again from the
    // recording in the chosen language (Cantonese as written Cantonese).
    const reread = h("select", { class: "reread", "aria-label": t("rereadAs"), title: t("rereadHint") },
      h("option", { value: "" }, t("rereadAs")),
      ["yue", "zh", "en"].map((lang) => h("option", { value: lang }, languageLabel(lang))));
    reread.addEventListener("change", async () => {
      const language = reread.value;
      if (!language) return;
      reread.disabled = true;
      toast(t("rereading"));
      try {
        const r = await api(`/api/meetings/${id}/utterances/${u.id}/reread`, { method: "POST", json: { language } });
        Object.assign(u, r.utterance);
        textEl.textContent = u.text;
        textEl.classList.remove("unheard");
        const tag = li.querySelector(".lang");
        tag.textContent = u.language;
        tag.className = `lang lang-${u.language}`;
        li.classList.toggle("unclear", (u.confidence ?? 1) < 0.5);
        toast(t("reread", { lang: languageLabel(u.language) }));
        done();
      } catch (err) { reread.disabled = false; reread.value = ""; fail(err); }
    });
    const done = () => { box.remove(); textEl.hidden = false; li.classList.remove("editing"); li.focus(); };
    const box = h("div", { class: "edit-row" }, area,
      h("button", { type: "button", class: "primary", onclick: save }, t("save")),
      u.text ? h("button", { type: "button", class: "split", title: t("splitHint"), onclick: splitHere }, t("splitHere")) : null,
      u.over ? null : reread,  // spoken over someone: a new reading would be their words
      h("button", { type: "button", class: "remove", title: t("removeHint"), onclick: removeLine }, t("removeLine")),
      h("button", { type: "button", onclick: done }, t("cancel")));
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey || !e.shiftKey)) { e.preventDefault(); save(); }
      if (e.key === "Escape") { e.preventDefault(); done(); }
      e.stopPropagation();
    });
    textEl.hidden = true;
    textEl.after(box);
    area.focus();
  }

  // Who said this line: another speaker of the meeting, or a new one (two people heard
  // as one). The server keeps turns and talk time in step; the page is drawn again.
  function pickSpeaker(li, u) {
    const who = li.querySelector(".who");
    const pick = h("select", { class: "who-pick", "aria-label": t("whoSaid") },
      transcript.speakers.map((sp) => h("option", { value: sp.id, selected: sp.id === u.speaker }, sp.name)),
      h("option", { value: "" }, t("newSpeaker")));
    const restore = () => { pick.replaceWith(who); who.focus(); };
    pick.addEventListener("change", async () => {
      if (pick.value === u.speaker) return restore();
      const json = pick.value ? { speaker: pick.value } : { new_speaker: "" };
      try {
        const r = await api(`/api/meetings/${id}/utterances/${u.id}`, { method: "PATCH", json });
        const to = r.speakers.find((sp) => sp.id === r.utterance.speaker);
        toast(t("lineMoved", { name: to ? to.name : r.utterance.speaker }));
        route();
      } catch (err) { fail(err); restore(); }
    });
    pick.addEventListener("keydown", (e) => { e.stopPropagation(); if (e.key === "Escape") restore(); });
    pick.addEventListener("blur", () => { if (pick.isConnected) restore(); });
    who.replaceWith(pick);
    pick.focus();
  }

  // Speaker timeline: one row per speaker, overlaps marked on their own row.
  const timeline = h("div", { class: "timeline", "aria-label": t("timeline") });
  const duration = Math.max(transcript.duration, 1);
  const rowH = 16, gap = 6;
  const speakers = transcript.speakers;
  const height = (speakers.length + 1) * (rowH + gap);
  const svg = s("svg", { viewBox: `0 0 1000 ${height}`, preserveAspectRatio: "none", role: "img", class: "timeline-svg" });
  speakers.forEach((sp, row) => {
    const y = row * (rowH + gap);
    svg.append(s("rect", { x: 0, y, width: 1000, height: rowH, class: "lane" }));
    for (const turn of transcript.turns.filter((x) => x.speaker === sp.id)) {
      const r = s("rect", { x: (turn.start / duration) * 1000, y, width: Math.max(((turn.end - turn.start) / duration) * 1000, 1.5), height: rowH, fill: colors.get(sp.id), class: "turn" });
      const title = s("title"); title.textContent = `${sp.name} ${clock(turn.start)}–${clock(turn.end)}`;
      r.append(title);
      svg.append(r);
    }
  });
  const overlapY = speakers.length * (rowH + gap);
  for (const [a, b] of overlaps(transcript.turns)) {
    svg.append(s("rect", { x: (a / duration) * 1000, y: overlapY, width: Math.max(((b - a) / duration) * 1000, 1.5), height: rowH, class: "overlap" }));
  }
  const head = s("line", { x1: 0, x2: 0, y1: 0, y2: height, class: "playhead" });
  svg.append(head);
  function playhead(time) { const x = (time / duration) * 1000; head.setAttribute("x1", x); head.setAttribute("x2", x); }
  svg.addEventListener("click", (e) => {
    const box = svg.getBoundingClientRect();
    seek(((e.clientX - box.left) / box.width) * duration);
  });
  const legend = h("div", { class: "legend" },
    speakers.map((sp) => h("span", { class: "key" }, h("i", { style: `background:${colors.get(sp.id)}` }), sp.name)),
    h("span", { class: "key" }, h("i", { class: "overlap-key" }), t("overlap")));
  const axis = h("div", { class: "axis", "aria-hidden": "true" },
    [0, 0.25, 0.5, 0.75, 1].map((f) => h("span", {}, clock(f * duration))));
  timeline.append(svg, axis, legend);

  // Side panel: speakers (rename, merge), exports, minutes, delete.
  const speakerList = h("ul", { class: "speakers" });
  for (const sp of speakers) {
    const nameEl = h("span", { class: "name" }, sp.name);
    const others = speakers.filter((x) => x.id !== sp.id);
    const mergeSel = h("select", { "aria-label": `${t("merge")} ${sp.name}`, class: "merge" },
      h("option", { value: "" }, t("merge")),
      others.map((o) => h("option", { value: o.id }, o.name)));
    mergeSel.addEventListener("change", async () => {
      if (!mergeSel.value) return;
      try {
        await api(`/api/meetings/${id}/speakers/merge`, { method: "POST", json: { source: sp.id, target: mergeSel.value } });
        toast(t("mergeDone", { a: sp.name, b: names.get(mergeSel.value) }));
        route();
      } catch (err) { fail(err); }
    });
    const renameBtn = h("button", { type: "button", class: "ghost rename", onclick: () => {
      const input = h("input", { value: sp.name, maxlength: 100, "aria-label": t("rename") });
      const remember = h("input", { type: "checkbox", class: "remember" });
      const save = async () => {
        try {
          await api(`/api/meetings/${id}/speakers/${sp.id}`, { method: "PATCH", json: { name: input.value } });
          if (remember.checked) {
            await api(`/api/meetings/${id}/speakers/${sp.id}/voiceprint`, { method: "POST", json: { name: input.value } });
            toast(t("remembered", { name: input.value }));
          } else {
            toast(t("renamed", { name: input.value }));
          }
          route();
        } catch (err) { fail(err); }
      };
      input.addEventListener("keydown", (e) => { e.stopPropagation(); if (e.key === "Enter") save(); if (e.key === "Escape") route(); });
      const form = h("span", { class: "rename-form" }, input, h("button", { type: "button", class: "primary", onclick: save }, t("save")),
        h("label", { class: "remember-label" }, remember, t("rememberVoice")));
      nameEl.replaceWith(form);
      renameBtn.hidden = true;
      input.focus();
      input.select();
    } }, t("rename"));
    speakerList.append(h("li", { dataset: { speaker: sp.id } },
      h("i", { class: "swatch", style: `background:${colors.get(sp.id)}` }), nameEl,
      h("span", { class: "muted talk" }, clock(sp.talk_time)), renameBtn, others.length ? mergeSel : null));
  }
  const minutesCard = h("div", { class: "card minutes", id: "minutes" }, h("h2", {}, t("minutes")));
  loadMinutes(minutesCard, id, (uid, time) => {
    const li = items.find((x) => x.dataset.id === uid);
    seek(time, false);
    if (li) { li.scrollIntoView({ block: "center", behavior: "smooth" }); li.classList.add("hit"); setTimeout(() => li.classList.remove("hit"), 2500); li.focus({ preventScroll: true }); }
  });
  const exports = h("div", { class: "exports" }, FORMATS.map((f) =>
    h("a", { class: "button", href: `/api/meetings/${id}/export/${f}`, download: "" }, f.toUpperCase())));
  const respell = h("button", { type: "button", id: "apply-glossary", onclick: async () => {
    respell.disabled = true;
    try {
      const r = await api(`/api/meetings/${id}/glossary`, { method: "POST" });
      const n = r.changed.length;
      toast(t(n === 0 ? "respelledNone" : n === 1 ? "respelledOne" : "respelled", { n }));
      if (r.changed.length) route();
    } catch (err) { fail(err); } finally { respell.disabled = false; }
  } }, t("applyGlossary"));
  const del = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm(t("confirmDelete", { title: meeting.title }))) return;
    try { await api(`/api/meetings/${id}`, { method: "DELETE" }); toast(t("deleted")); location.hash = "#/"; } catch (err) { fail(err); }
  } }, t("delete"));

  root.append(h("div", { class: "meeting" },
    h("section", { class: "main-col" },
      h("div", { class: "card head" }, back, h("h1", {}, meeting.title),
        h("p", { class: "muted" }, `${when(meeting.created_at)} · ${clock(transcript.duration)} · ${langs}`),
        // What the pipeline noticed (no speech, a forced language the audio does not
        // fit, a damaged file, fewer speakers than asked): said where the reader looks.
        ...((transcript.metadata || {}).warnings || []).map((w) => h("p", { class: "notice", role: "note" }, w)),
        countAgain(id, transcript),
        h("div", { class: "player" }, audio), timeline, h("p", { class: "muted keys" }, t("keys"))),
      h("div", { class: "card" }, h("h2", {}, t("transcript")), lines)),
    h("aside", { class: "side-col" },
      h("div", { class: "card" }, h("h2", {}, t("speakers")), speakerList),
      minutesCard,
      h("div", { class: "card" }, h("h2", {}, t("glossary")),
        h("p", { class: "muted small" }, t("applyGlossaryHint")), respell),
      h("div", { class: "card" }, h("h2", {}, t("export")), exports),
      h("div", { class: "card" }, del))));

  // Keyboard: space plays/pauses, arrows move between lines, Enter edits.
  state.keyHandler = (e) => {
    const typing = e.target.closest("input, textarea, select, [contenteditable]");
    if (typing) return;
    if (e.key === " " && !e.target.closest("button, a, audio")) {
      e.preventDefault();
      if (audio.paused) audio.play().catch(() => {}); else audio.pause();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const focused = e.target.closest(".utt");
      const from = focused ? Number(focused.dataset.index) : current;
      const next = Math.min(items.length - 1, Math.max(0, from + (e.key === "ArrowDown" ? 1 : -1)));
      if (items[next]) { items[next].focus(); seek(segments[next].start, !audio.paused); }
    } else if (e.key === "Enter" && e.target.closest(".utt") && !e.target.closest("button")) {
      e.preventDefault();
      const li = e.target.closest(".utt");
      startEdit(li, segments[Number(li.dataset.index)]);
    }
  };

  const start = Number(params.get("t"));
  if (start > 0) {
    const u = params.get("u");
    const li = u ? items.find((x) => x.dataset.id === u) : null;
    audio.addEventListener("loadedmetadata", () => { audio.currentTime = start; }, { once: true });
    highlight(start, false);
    if (li) { li.classList.add("hit"); li.scrollIntoView({ block: "center" }); }
  }
}

async function loadMinutes(card, id, jump, fresh = null) {
  const body = h("div", { class: "minutes-body" });
  card.replaceChildren(h("h2", {}, t("minutes")), body);
  let data = fresh;
  if (!data) {
    try { data = await api(`/api/meetings/${id}/minutes`); } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) { fail(err); return; }
    }
  }
  const langSel = h("select", { "aria-label": t("minutesLanguage") },
    [["auto", t("auto_lang")], ["en", "English"], ["zh-HK", "繁體中文"], ["zh-CN", "简体中文"]]
      .map(([v, label]) => h("option", { value: v }, label)));
  const regen = h("button", { type: "button", class: "regen", onclick: async () => {
    regen.disabled = true;
    regen.textContent = t("writingMinutes");
    try {
      const r = await api(`/api/meetings/${id}/minutes`, { method: "POST", json: { language: langSel.value } });
      await loadMinutes(card, id, jump, r);
    } catch (err) { fail(err); regen.disabled = false; regen.textContent = t("regenerate"); }
  } }, data ? t("regenerate") : t("generate"));
  const controls = h("div", { class: "minutes-controls" }, langSel, regen);
  if (!data) { body.append(h("p", { class: "muted" }, t("noMinutes")), controls); return; }
  const m = data.minutes;
  if (data.stale) body.append(h("p", { class: "stale" }, t("staleMinutes")));
  const cites = (evidence) => h("span", { class: "cites" }, evidence.map((e) =>
    h("button", { type: "button", class: e.unclear ? "cite unclear" : "cite",
      title: `${e.speaker}: ${e.quote}` + (e.unclear ? ` (${t("unclearAudio")})` : ""),
      onclick: () => jump(e.utterance_id, e.start) }, clock(e.start) + (e.unclear ? " ?" : ""))));
  const section = (title, items, tag, render) => (items.length ? [h("h3", {}, title), h(tag, {}, items.map(render))] : []);
  body.append(h("p", { class: "minutes-title" }, m.title));
  body.append(...section(t("summaryH"), m.summary, "ul", (i) => h("li", {}, i.text, " ", cites(i.evidence))));
  body.append(...section(t("decisionsH"), m.decisions, "ol", (i) => h("li", { class: "decision" }, i.text, " ", cites(i.evidence))));
  body.append(...section(t("actionsH"), m.action_items, "ul", (a) => h("li", { class: "action" },
    h("span", { class: "action-text" }, a.text),
    h("span", { class: "action-meta" },
      a.owner ? h("span", { class: "owner" }, `${t("owner")}: ${a.owner}`) : null,
      a.due ? h("span", { class: "due" }, `${t("due")}: ${a.due}`) : null),
    cites(a.evidence))));
  body.append(...section(t("topicsH"), m.topics, "ul", (tp) => h("li", {},
    h("button", { type: "button", class: "cite", onclick: () => jump(tp.evidence[0] ? tp.evidence[0].utterance_id : "", tp.start) }, `${clock(tp.start)}–${clock(tp.end)}`), " ", tp.title)));
  if (!m.summary.length && !m.decisions.length && !m.action_items.length) body.append(h("p", { class: "muted" }, t("minutesEmpty")));
  for (const w of m.warnings || []) body.append(h("p", { class: "muted small" }, w));
  body.append(h("p", { class: "muted small" }, `${t("writtenBy")} ${m.backend}`),
    h("div", { class: "exports" }, ["md", "docx", "json"].map((f) =>
      h("a", { class: "button", href: `/api/meetings/${id}/minutes/export/${f}`, download: "" }, f === "md" ? "Markdown" : f.toUpperCase()))),
    controls);
}

function overlaps(turns) {
  const out = [];
  const sorted = [...turns].sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].start < sorted[i].end; j++) {
      if (sorted[j].speaker !== sorted[i].speaker) out.push([sorted[j].start, Math.min(sorted[i].end, sorted[j].end)]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- routing
async function route() {
  closeStreams();
  state.keyHandler = null;
  const root = document.getElementById("app");
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  if (!state.me && path !== "/login") {
    try { state.me = (await api("/api/me")).user; } catch (_) { state.me = null; }
    if (!state.me) { location.hash = "#/login"; return; }
  }
  renderChrome();
  root.replaceChildren();
  try {
    if (path === "/login") viewLogin(root);
    else if (path.startsWith("/m/")) await viewMeeting(root, path.slice(3), params);
    else await viewList(root);
  } catch (err) { fail(err); }
}

document.addEventListener("keydown", (e) => { if (state.keyHandler) state.keyHandler(e); });
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  state.lang = localStorage.getItem("minutes.lang") || (navigator.language.toLowerCase().startsWith("zh") ? "zh-HK" : "en");
  document.getElementById("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "en" ? "zh-HK" : "en";
    localStorage.setItem("minutes.lang", state.lang);
    route();
  });
  document.getElementById("sign-out").addEventListener("click", async () => {
    try { await api("/api/auth/logout", { method: "POST" }); } catch (_) { /* already out */ }
    state.me = null;
    location.hash = "#/login";
  });
  route();
});
