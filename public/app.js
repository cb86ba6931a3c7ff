// Around the Grounds: renders data.json. Every piece of scraped text goes into the page as
// text (textContent), never as HTML. Days, "today" and "open now" are the site's (its time
// zone from data.json), whatever the reader's own zone; `#at=<instant>` pins the clock.
"use strict";

(function () {
  const DEFAULT_ZONE = "America/Los_Angeles";
  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A zone the browser knows, else the default site's.
  function usableZone(name) {
    if (typeof name !== "string" || name === "") return DEFAULT_ZONE;
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      return name;
    } catch (_) {
      return DEFAULT_ZONE;
    }
  }

  // The site's wall clock at an instant: { day: "YYYY-MM-DD", minutes: minutes since 00:00 }.
  function wallClock(date, zone) {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(date);
    const get = (t) => (parts.find((p) => p.type === t) || {}).value;
    return {
      day: `${get("year")}-${get("month")}-${get("day")}`,
      minutes: Number(get("hour")) * 60 + Number(get("minute")),
    };
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

  // "1:05 PM" → minutes since midnight, or null.
  function minutesOf(raw) {
    const m = /^(\d{1,2}):(\d{2})\s*([AP]M)/i.exec(String(raw || "").trim());
    if (!m) return null;
    let h = Number(m[1]) % 12;
    if (m[3].toUpperCase() === "PM") h += 12;
    return h * 60 + Number(m[2]);
  }

  // Whether a truck there from `startRaw` to `endRaw` on `day` is serving at the site's wall
  // clock `now` (an end past midnight belongs to the next day).
  function servingAt(startRaw, endRaw, day, now) {
    const start = minutesOf(startRaw);
    let end = minutesOf(endRaw);
    if (start === null || end === null) return false;
    if (end <= start) end += 24 * 60;
    const at = now.day === day ? now.minutes : now.day === addDays(day, 1) ? now.minutes + 24 * 60 : -1;
    return at >= start && at < end;
  }

  const state = { brewery: "", query: "", at: null };

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ""));
    state.brewery = p.get("brewery") || "";
    state.query = p.get("q") || "";
    const at = p.get("at") ? new Date(p.get("at")) : null;
    state.at = at && !Number.isNaN(at.getTime()) ? at : null;
  }

  function writeHash() {
    const p = new URLSearchParams();
    if (state.brewery) p.set("brewery", state.brewery);
    if (state.query) p.set("q", state.query);
    if (state.at) p.set("at", state.at.toISOString());
    const h = p.toString();
    history.replaceState(null, "", h ? `#${h}` : location.pathname + location.search);
  }

  function now() {
    return state.at || new Date();
  }

  function chooseBrewery(key) {
    state.brewery = state.brewery === key ? "" : key;
    writeHash();
    applyFilters();
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
    document.querySelectorAll(".brewery-link").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.brewery === state.brewery));
    });
    if ($("search").value !== state.query) $("search").value = state.query;
  }

  function renderChips(breweries) {
    const chips = $("chips");
    const make = (key, label) => {
      const b = el("button", "chip", label);
      b.type = "button";
      b.dataset.brewery = key;
      b.addEventListener("click", () => chooseBrewery(key));
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

  // The "open now" marks, for the clock at this moment.
  function markOpen(zone) {
    const at = wallClock(now(), zone);
    document.querySelectorAll(".truck-item").forEach((item) => {
      const open = servingAt(item.dataset.start, item.dataset.end, item.dataset.day, at);
      item.classList.toggle("open-now", open);
      const badge = item.querySelector(".open-badge");
      if (badge) badge.hidden = !open;
    });
  }

  // A description longer than two lines gets a button that shows the rest.
  function addExpanders() {
    document.querySelectorAll(".truck-description").forEach((p) => {
      if (p.scrollHeight <= p.clientHeight + 1) return;
      const b = el("button", "more", "More");
      b.type = "button";
      b.setAttribute("aria-expanded", "false");
      b.setAttribute("aria-controls", p.id);
      b.addEventListener("click", () => {
        const open = b.getAttribute("aria-expanded") !== "true";
        b.setAttribute("aria-expanded", String(open));
        p.classList.toggle("expanded", open);
        b.textContent = open ? "Less" : "More";
      });
      p.after(b);
    });
  }

  function siteTitle(site) {
    return site && typeof site.title === "string" && site.title.trim() ? site.title.trim() : "Ballard";
  }

  function renderSite(site) {
    const title = siteTitle(site);
    const label = site && typeof site.timezone_label === "string" ? site.timezone_label : "PT";
    document.title = `Food Trucks in ${title}`;
    $("site-title").textContent = `${title} Food Trucks`;
    $("tagline").textContent = `Who is parked at ${title}'s breweries, today and this week. Times are ${label}.`;
  }

  function renderStale(stale) {
    const notes = Array.isArray(stale) ? stale.filter((s) => s && s.note) : [];
    if (notes.length === 0) return;
    notes.forEach((s) => $("stale-list").appendChild(el("li", "stale-item", s.note)));
    $("stale-note").hidden = false;
  }

  function render(data) {
    const zone = usableZone(data.site && data.site.timezone);
    renderSite(data.site);
    readHash();
    const today = wallClock(now(), zone).day;

    const events = Array.isArray(data.events) ? data.events : [];
    const feeds = new Map();
    (Array.isArray(data.trucks) ? data.trucks : []).forEach((t) => {
      const href = t && safeHref(t.feed);
      if (href) feeds.set(t.name, href);
    });

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

    // Group by day; days before the site's today are not shown, but for a truck of last
    // evening still serving after midnight.
    const clock = wallClock(now(), zone);
    const yesterday = addDays(today, -1);
    const days = new Map();
    events.forEach((e) => {
      const key = String(e.date || "").split("T")[0];
      const lateNight = key === yesterday && servingAt(e.start_time_raw, e.end_time_raw, key, clock);
      if (!key || (key < today && !lateNight)) return;
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
      const heading = el("h2", "day-header", dayLabel(key, today));
      heading.id = `day-${key}`;
      section.setAttribute("aria-labelledby", heading.id);
      section.appendChild(heading);
      const list = el("ul", "truck-list");
      days.get(key).forEach((e) => {
        total += 1;
        const name = plainName(e);
        const brewery = e.brewery_key || e.location || "";
        const item = el("li", "truck-item");
        item.dataset.brewery = brewery;
        item.dataset.day = key;
        item.dataset.search = `${name} ${e.location || ""} ${e.description || ""}`.toLowerCase();
        item.dataset.start = e.start_time_raw || "";
        item.dataset.end = e.end_time_raw || "";

        const title = el("div", "truck-title");
        const link = el("a", "truck-name", name);
        link.href = `https://www.google.com/search?q=${encodeURIComponent(`"${name}" food truck ${siteTitle(data.site)}`)}`;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        title.appendChild(link);
        if (e.extraction_method === "vision") {
          anyAi = true;
          const badge = el("span", "vision-badge", "🖼️🤖");
          badge.title = "Name read from an image by AI";
          badge.setAttribute("role", "img");
          badge.setAttribute("aria-label", "Name read from an image by AI");
          title.appendChild(badge);
        }
        const open = el("span", "open-badge", "Open now");
        open.hidden = true;
        title.appendChild(open);
        item.appendChild(title);

        const details = el("div", "truck-details");
        const where = el("button", "brewery-link", e.location || brewery);
        where.type = "button";
        where.dataset.brewery = brewery;
        where.title = `Show only ${e.location || brewery}`;
        where.addEventListener("click", () => chooseBrewery(brewery));
        details.appendChild(where);
        const t = timeRange(e);
        if (t) details.appendChild(el("span", "time", t));
        const feed = feeds.get(e.vendor_name || name);
        if (feed) {
          const a = el("a", "truck-feed", "Calendar");
          a.href = feed;
          a.setAttribute("aria-label", `Calendar of ${name}`);
          details.appendChild(a);
        }
        item.appendChild(details);
        if (e.description) {
          const p = el("p", "truck-description", e.description);
          p.id = `desc-${total}`;
          item.appendChild(p);
        }
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
    renderStale(data.stale);

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
    applyFilters();
    markOpen(zone);
    addExpanders();
    window.addEventListener("hashchange", () => { readHash(); applyFilters(); markOpen(zone); });
    window.setInterval(() => markOpen(zone), 60 * 1000);
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
