// likeledger creator dashboard: sign in with a token, load one JSON view, show it (the
// chart itself is chart.js).
// No framework, no CDN. Data is inserted with textContent only (never as HTML).
"use strict";

(function () {
  const CONFIG = window.LIKELEDGER || { reasons: {}, causes: {}, root: "" };
  const CHART = window.likeledgerChart;
  const COLOURS = CHART.colours;
  const state = { token: null, creator: null, video: null, videos: [] };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function api(path) {
    const response = await fetch(CONFIG.root + path, {
      headers: { Authorization: "Bearer " + state.token },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof body.detail === "string" ? body.detail : response.statusText;
      throw new Error((body.error || response.status) + ": " + detail);
    }
    return body;
  }

  function query() {
    const params = new URLSearchParams();
    const since = $("since").value.trim();
    const until = $("until").value.trim();
    if (since) params.set("since", since);
    if (until) params.set("until", until);
    params.set("bucket", $("bucket").value);
    return "?" + params.toString();
  }

  // -- sign in -------------------------------------------------------------------------
  async function signIn(token) {
    state.token = token;
    const me = await api("/v1/me");
    sessionStorage.setItem("likeledger-token", token);
    $("signin").hidden = true;
    $("signout").hidden = false;
    $("who").textContent = me.creators.length ? "creator " + me.creators.join(", ") : me.scopes.join(" ");
    if (me.creators.length && !me.reads_all) {
      await openCreator(me.creators[0]);
    } else if (me.reads_all) {
      await showPicker();
    } else {
      throw new Error("this token cannot read any creator (it needs read, admin or creator:<id>)");
    }
  }

  async function showPicker() {
    $("picker").hidden = false;
    const list = $("top-creators");
    list.replaceChildren();
    const data = await api("/dashboard/api/creators?limit=20");
    for (const pick of data.creators) {
      const link = el("a", { href: "#", "data-creator": pick.creator }, pick.creator);
      link.addEventListener("click", (e) => { e.preventDefault(); openCreator(pick.creator).catch(report); });
      const item = el("li");
      item.append(link, document.createTextNode(" · " + pick.total + " likes"));
      list.append(item);
    }
  }

  async function openCreator(creator) {
    state.creator = creator;
    state.video = null;
    $("view").hidden = false;
    await refresh();
  }

  // -- views ---------------------------------------------------------------------------
  async function refresh() {
    $("window-error").textContent = "";
    const base = "/dashboard/api/creators/" + encodeURIComponent(state.creator);
    const overview = await api(base + query());
    $("creator-name").textContent = overview.creator;
    $("total").textContent = overview.total.toLocaleString("en-US");
    $("total").dataset.value = overview.total;
    $("as-of").textContent = "as of ledger event #" + overview.as_of;
    state.videos = overview.videos;
    renderVideos(overview.videos);
    if (state.video === null) {
      show("Profile total", overview.timeline, overview.story);
    } else {
      const view = await api(base + "/videos/" + encodeURIComponent(state.video) + query());
      show(view.video + " · " + view.likes + " likes", view.timeline, view.story);
    }
  }

  function show(title, timeline, story) {
    $("chart-title").textContent = title;
    CHART.draw($("chart"), $("legend"), timeline, CONFIG.causes);
    renderStory(story);
  }

  function renderVideos(videos) {
    const body = $("videos").querySelector("tbody");
    body.replaceChildren();
    const all = el("tr", { "data-video": "", class: state.video === null ? "selected" : "" });
    all.append(el("td", {}, "Profile total"), el("td", { class: "num" }, ""), el("td", {}, ""));
    all.addEventListener("click", () => select(null));
    body.append(all);
    const picker = $("visible-video");
    picker.replaceChildren();
    for (const v of videos) {
      const row = el("tr", { "data-video": v.video, class: state.video === v.video ? "selected" : "" });
      const status = v.deleted ? "deleted" : [v.visibility, v.moderation].filter(Boolean).join(", ");
      row.append(el("td", {}, v.video), el("td", { class: "num" }, v.deleted ? "–" : String(v.likes)), el("td", {}, status));
      if (!v.deleted) row.addEventListener("click", () => select(v.video));
      body.append(row);
      picker.append(el("option", { value: v.video }, v.video));
    }
  }

  function select(video) {
    state.video = video;
    refresh().catch(report);
  }

  function renderStory(story) {
    $("headline").textContent = story.headline;
    const body = $("causes").querySelector("tbody");
    body.replaceChildren();
    for (const line of story.causes) {
      const row = el("tr", { "data-cause": line.cause });
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = COLOURS[line.cause] || "#999";
      const name = el("td");
      name.append(swatch, document.createTextNode(line.cause));
      const delta = el("td", { class: "num " + (line.delta < 0 ? "loss" : "gain") }, (line.delta > 0 ? "+" : "") + line.delta);
      row.append(delta, name, el("td", { class: "muted" }, line.text));
      body.append(row);
    }
    if (!story.causes.length) body.append(el("tr", {}, "No changes in this window."));
    const advice = $("advice");
    advice.replaceChildren();
    for (const text of story.advice) advice.append(el("li", {}, text));
    if (!story.advice.length) advice.append(el("li", { class: "muted" }, "Nothing to do."));
  }

  // -- visibility check ----------------------------------------------------------------
  async function checkVisible(video, viewer) {
    const answer = await api("/v1/videos/" + encodeURIComponent(video) + "/visible?viewer=" + encodeURIComponent(viewer));
    const out = $("visible-result");
    out.dataset.reason = answer.reason || "";
    if (answer.visible) {
      out.textContent = viewer + " can see " + video + ".";
    } else if (answer.reason === "withheld") {
      out.textContent = viewer + " cannot see " + video + ", for a reason that is theirs to keep private.";
    } else {
      out.textContent = viewer + " cannot see " + video + ": " + (CONFIG.reasons[answer.reason] || answer.reason) + ".";
    }
  }

  function report(error) {
    const target = $("view").hidden ? $("signin-error") : $("window-error");
    target.textContent = String(error.message || error);
  }

  // -- wiring --------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("signin-form").addEventListener("submit", (e) => {
      e.preventDefault();
      $("signin-error").textContent = "";
      signIn($("token").value.trim()).catch((err) => {
        state.token = null;
        $("signin-error").textContent = String(err.message || err);
      });
    });
    $("picker-form").addEventListener("submit", (e) => {
      e.preventDefault();
      openCreator($("creator-input").value.trim()).catch(report);
    });
    $("window-form").addEventListener("submit", (e) => {
      e.preventDefault();
      refresh().catch(report);
    });
    $("visible-form").addEventListener("submit", (e) => {
      e.preventDefault();
      checkVisible($("visible-video").value, $("viewer").value.trim()).catch((err) => {
        $("visible-result").textContent = String(err.message || err);
      });
    });
    $("signout").addEventListener("click", () => {
      sessionStorage.removeItem("likeledger-token");
      window.location.reload();
    });
    const saved = sessionStorage.getItem("likeledger-token");
    if (saved) signIn(saved).catch(report);
  });
})();
