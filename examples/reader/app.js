// The reader: plain JavaScript against Paperfeed's /v1/me API with a user token (no build step).
// The page is served by its own backend (backend.py), which mints the token; every other call goes straight
// to Paperfeed, cross-origin, which is why Paperfeed lists this page's origin in CORS_ALLOWED_ORIGINS.
"use strict";

const state = { api: "", token: "", user: "", feedId: null, cursor: null, inboxCursor: null, shown: 0 };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function showError(message) {
  document.getElementById("error").textContent = message || "";
}

async function api(method, path, body) {
  const response = await fetch(state.api + path, {
    method,
    headers: { Authorization: `Bearer ${state.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error(data.detail || data.title || `HTTP ${response.status}`);
  return data;
}

async function signIn(event) {
  event.preventDefault();
  showError("");
  const user = new FormData(event.target).get("user");
  const config = await (await fetch("config.json")).json();
  const minted = await fetch("token", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user }),
  });
  if (!minted.ok) return showError(`sign-in failed (${minted.status})`);
  Object.assign(state, { api: config.api, token: (await minted.json()).token, user });
  document.getElementById("signin").hidden = true;
  document.getElementById("tabs").hidden = false;
  document.getElementById("who").textContent = user;
  await showTab("feed");
}

async function showTab(name) {
  for (const section of ["feed", "inbox", "subscriptions"]) {
    document.getElementById(section).hidden = section !== name;
  }
  for (const button of document.querySelectorAll("#tabs button")) {
    button.setAttribute("aria-pressed", String(button.dataset.tab === name));
  }
  try {
    if (name === "feed") await loadFeed(true);
    if (name === "inbox") await loadInbox(true);
    if (name === "subscriptions") await loadSubscriptions();
  } catch (error) {
    showError(String(error.message || error));
  }
}

function paperBlock(paper, extra) {
  return el("div", { class: "paper", "data-paper": paper.id, ...extra },
    el("h3", {}, paper.title),
    el("div", { class: "meta" }, [(paper.authors || []).slice(0, 4).join(", "), (paper.categories || []).join(" ")]
      .filter(Boolean).join(" · ")));
}

async function loadFeed(first) {
  const query = new URLSearchParams({ limit: "10" });
  if (!first && state.cursor) query.set("cursor", state.cursor);
  const page = await api("GET", `/v1/me/feed?${query}`);
  const list = document.getElementById("feed-items");
  if (first) { list.replaceChildren(); state.shown = 0; }
  state.feedId = page.feed_id;
  state.cursor = page.next_cursor;
  for (const item of page.items) {
    const position = state.shown++;
    const block = paperBlock(item.paper, { "data-position": String(position) });
    for (const reason of item.reasons) block.append(el("div", { class: "reason" }, `Why: ${reason.detail}`));
    block.append(el("div", { class: "actions" },
      el("button", { class: "star", onclick: () => act(item.paper, "star", position, true) }, "★ Star"),
      el("button", { class: "dismiss", onclick: () => act(item.paper, "dismiss", position, true) }, "Dismiss"),
      el("button", { class: "open", onclick: () => openPaper(item.paper, position) }, "Open")));
    list.append(block);
  }
  document.getElementById("more").hidden = !state.cursor;
}

// Every event says which feed showed the paper, and where: Paperfeed credits that feed with it.
async function act(paper, type, position, refresh) {
  try {
    await api("POST", "/v1/me/events", {
      events: [{ paper_id: paper.id, type, context: { feed_id: state.feedId, position } }],
    });
    if (refresh) await loadFeed(true); // the feed re-ranks on the new event: new papers, new reasons
  } catch (error) {
    showError(String(error.message || error));
  }
}

function openPaper(paper, position) {
  const target = paper.url || `https://arxiv.org/abs/${encodeURIComponent(paper.id)}`;
  window.open(target, "_blank", "noopener");
  act(paper, "click", position, false);
}

async function loadInbox(first) {
  const query = new URLSearchParams({ limit: "10" });
  if (!first && state.inboxCursor) query.set("cursor", state.inboxCursor);
  const page = await api("GET", `/v1/me/alerts?${query}`);
  const list = document.getElementById("inbox-items");
  if (first) list.replaceChildren();
  state.inboxCursor = page.next_cursor;
  for (const alert of page.items) {
    const block = paperBlock(alert.paper, { class: `paper alert${alert.read_at ? "" : " unread"}`,
                                            "data-alert": String(alert.id) });
    for (const reason of alert.reasons) block.append(el("div", { class: "reason" }, `Why: ${reason.detail}`));
    if (!alert.read_at) {
      block.append(el("button", { class: "mark-read", onclick: async () => {
        await api("POST", `/v1/me/alerts/${alert.id}/read`);
        await loadInbox(true);
      } }, "Mark read"));
    }
    list.append(block);
  }
  if (!page.items.length) list.append(el("p", { class: "meta" }, "No alerts yet."));
  document.getElementById("inbox-more").hidden = !state.inboxCursor;
  const me = await api("GET", "/v1/me");
  document.getElementById("unread").textContent = me.counts.unread_alerts ? `(${me.counts.unread_alerts})` : "";
}

async function loadSubscriptions() {
  const page = await api("GET", "/v1/me/subscriptions?limit=100");
  const list = document.getElementById("subscription-items");
  list.replaceChildren();
  for (const sub of page.items) {
    const what = sub.category || sub.author || sub.query || sub.frequency || "";
    list.append(el("div", { class: "paper", "data-subscription": sub.id },
      el("strong", {}, `${sub.kind}${what ? ": " + what : ""}`), ` by ${sub.channel}`,
      sub.enabled ? "" : ` (stopped: ${sub.disabled_reason || "disabled"})`, " ",
      el("button", { onclick: async () => {
        await api("DELETE", `/v1/me/subscriptions/${encodeURIComponent(sub.id)}`);
        await loadSubscriptions();
      } }, "Delete")));
  }
  if (!page.items.length) list.append(el("p", { class: "meta" }, "No subscriptions yet."));
}

async function addSubscription(event) {
  event.preventDefault();
  const category = new FormData(event.target).get("category").trim();
  const id = `category-${category}`.replace(/[^A-Za-z0-9_.-]/g, "-");
  try {
    await api("PUT", `/v1/me/subscriptions/${encodeURIComponent(id)}`, { kind: "category", channel: "inbox", category });
    event.target.reset();
    await loadSubscriptions();
  } catch (error) {
    showError(String(error.message || error));
  }
}

document.getElementById("signin").addEventListener("submit", signIn);
document.getElementById("new-subscription").addEventListener("submit", addSubscription);
document.getElementById("more").addEventListener("click", () => loadFeed(false).catch((e) => showError(e.message)));
document.getElementById("inbox-more").addEventListener("click", () => loadInbox(false).catch((e) => showError(e.message)));
for (const button of document.querySelectorAll("#tabs button")) {
  button.addEventListener("click", () => showTab(button.dataset.tab));
}
