// Around the Grounds: renders data.json. Every piece of scraped text goes into the page as
// text (textContent), never as HTML.
"use strict";

(function () {
  const ZONE = "America/Los_Angeles";
  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // YYYY-MM-DD of an instant in Pacific time, whatever the reader's zone.
  function pacificDay(date) {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
    }).formatToParts(date);
    const get = (t) => (parts.find((p) => p.type === t) || {}).value;
    return `${get("year")}-${get("month")}-${get("day")}`;
  }

  function addDays(key, n) {
    const d = new Date(`${key}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function dayLabel(key, today) {
    const long = new Intl.DateTimeFormat("en-US", {
      timeZone: "UTC", weekday: "long", month: "long", day: "numeric",
    }).format(new Date(`${key}T12:00:00Z`));
    if (key === today) return `Today · ${long}`;
    if (key === addDays(today, 1)) return `Tomorrow · ${long}`;
    return long;
  }

  const EMOJI = /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}\u{FE0F}\u{1F1E6}-\u{1F1FF}]/gu;
  function plainName(e) {
    const raw = e.vendor_name || e.vendor || "TBD";
    return String(raw).replace(EMOJI, "").trim() || "TBD";
  }

  function timeRange(e) {
    if (e.start_time && e.end_time) return `${e.start_time} – ${e.end_time}`;
    return e.start_time || e.end_time || "";
  }

  const state = { brewery: "", query: "" };

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ""));
    state.brewery = p.get("brewery") || "";
    state.query = p.get("q") || "";
  }

  function writeHash() {
    const p = new URLSearchParams();
    if (state.brewery) p.set("brewery", state.brewery);
    if (state.query) p.set("q", state.query);
    const h = p.toString();
    history.replaceState(null, "", h ? `#${h}` : location.pathname + location.search);
  }

  function applyFilters() {
    const q = state.query.trim().toLowerCase();
    let shown = 0;
    document.querySelectorAll(".day-section").forEach((section) => {
      let inDay = 0;
      section.querySelectorAll(".truck-item").forEach((item) => {
        const okBrewery = !state.brewery || item.dataset.brewery === state.brewery;
        const okQuery = !q || item.dataset.search.includes(q);
        item.hidden = !(okBrewery && okQuery);
        if (!item.hidden) inDay += 1;
      });
      section.hidden = inDay === 0;
      shown += inDay;
    });
    $("empty").hidden = shown !== 0 || document.querySelectorAll(".truck-item").length === 0;
    document.querySelectorAll(".chip").forEach((chip) => {
      chip.setAttribute("aria-pressed", String(chip.dataset.brewery === state.brewery));
    });
    if ($("search").value !== state.query) $("search").value = state.query;
  }

  function renderChips(breweries) {
    const chips = $("chips");
    const make = (key, label) => {
      const b = el("button", "chip", label);
      b.type = "button";
      b.dataset.brewery = key;
      b.addEventListener("click", () => {
        state.brewery = state.brewery === key ? "" : key;
        writeHash();
        applyFilters();
      });
      chips.appendChild(b);
    };
    make("", "All breweries");
    breweries.forEach((b) => make(b.key, b.name));
  }

  // A link from data.json only when it is http(s) (a feed file beside the page resolves to
  // one): never javascript:, data: or anything else a tampered file could carry.
  function safeHref(raw) {
    if (typeof raw !== "string" || raw === "") return null;
    try {
      const u = new URL(raw, window.location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  function renderFeeds(breweries) {
    const span = $("feed-breweries");
    breweries.forEach((b) => {
      const href = safeHref(b.feed);
      if (!href) return;
      span.appendChild(document.createTextNode(" · "));
      const a = el("a", "feed-link", b.name);
      a.href = href;
      span.appendChild(a);
    });
  }

  function render(data) {
    const today = pacificDay(new Date());
    const events = Array.isArray(data.events) ? data.events : [];

    // Breweries: from the data, else from the events themselves.
    let breweries = Array.isArray(data.breweries) ? data.breweries : [];
    if (breweries.length === 0) {
      const seen = new Map();
      events.forEach((e) => {
        const key = e.brewery_key || e.location;
        if (key && !seen.has(key)) seen.set(key, { key, name: e.location || key });
      });
      breweries = [...seen.values()];
    }

    // Group by day; days before today (Pacific) are not shown.
    const days = new Map();
    events.forEach((e) => {
      const key = String(e.date || "").split("T")[0];
      if (!key || key < today) return;
      if (!days.has(key)) days.set(key, []);
      days.get(key).push(e);
    });
    const keys = [...days.keys()].sort();

    const schedule = $("schedule");
    schedule.replaceChildren();
    let total = 0;
    let anyAi = false;
    keys.forEach((key) => {
      const section = el("section", "day-section");
      section.dataset.day = key;
      section.appendChild(el("h2", "day-header", dayLabel(key, today)));
      const list = el("ul", "truck-list");
      days.get(key).forEach((e) => {
        total += 1;
        const name = plainName(e);
        const item = el("li", "truck-item");
        item.dataset.brewery = e.brewery_key || e.location || "";
        item.dataset.search = `${name} ${e.location || ""} ${e.description || ""}`.toLowerCase();

        const title = el("div", "truck-title");
        const link = el("a", "truck-name", name);
        link.href = `https://www.google.com/search?q=${encodeURIComponent(`"${name}" food truck seattle`)}`;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        title.appendChild(link);
        if (e.extraction_method === "vision") {
          anyAi = true;
          const badge = el("span", "vision-badge", "🖼️🤖");
          badge.title = "Name read from an image by AI";
          title.appendChild(badge);
        }
        item.appendChild(title);

        const details = el("div", "truck-details");
        details.appendChild(el("span", "location", e.location || ""));
        const t = timeRange(e);
        if (t) details.appendChild(el("span", "time", t));
        item.appendChild(details);
        if (e.description) item.appendChild(el("p", "truck-description", e.description));
        list.appendChild(item);
      });
      section.appendChild(list);
      schedule.appendChild(section);
    });

    $("total-count").textContent = String(total);
    $("stats").hidden = false;

    if (data.haiku) {
      const fig = $("haiku");
      String(data.haiku).split("\n").forEach((line) => fig.appendChild(el("span", "haiku-line", line)));
      fig.hidden = false;
    }

    const errors = Array.isArray(data.errors) ? data.errors.filter(Boolean) : [];
    if (errors.length > 0) {
      errors.forEach((m) => $("error-list").appendChild(el("li", "error-item", m)));
      $("error-note").hidden = false;
    }

    if (data.updated) {
      const when = new Date(data.updated);
      if (!Number.isNaN(when.getTime())) {
        const time = $("updated-time");
        time.dateTime = data.updated;
        time.textContent = when.toLocaleString(undefined, {
          weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
        });
        $("updated").hidden = false;
      }
    }

    $("ai-info").hidden = !anyAi;
    if (total === 0) {
      schedule.appendChild(el("p", "no-trucks", "No food trucks are listed for the coming days."));
    }
    renderChips(breweries);
    renderFeeds(breweries);
    $("controls").hidden = total === 0;
    $("search").addEventListener("input", (ev) => {
      state.query = ev.target.value;
      writeHash();
      applyFilters();
    });
    readHash();
    applyFilters();
    window.addEventListener("hashchange", () => { readHash(); applyFilters(); });
    $("loading").remove();
    document.body.dataset.state = "ready";
  }

  function fail() {
    const loading = $("loading");
    loading.className = "load-error";
    loading.textContent = "Unable to load food truck data. Please try again later.";
    document.body.dataset.state = "error";
  }

  document.addEventListener("DOMContentLoaded", () => {
    fetch("data.json", { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then(render)
      .catch(fail);
  });
})();
