// likeledger dashboard chart: likes over time, losses stacked by cause, impressions and
// ranking-version markers on one time axis, drawn as inline SVG. Exposes window.likeledgerChart.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = {
    like: "#2e7d32", unlike: "#f9a825", block: "#6a1b9a", unblock: "#ab47bc",
    integrity_flag: "#c62828", integrity_clear: "#ef9a9a", video_deleted: "#455a64",
    account_active: "#66bb6a", account_deactivated: "#78909c", account_suspended: "#ef6c00",
    account_banned: "#6d1b1b", account_deleted: "#263238", moderation_remove: "#1565c0",
    moderation_restrict: "#42a5f5", moderation_restore: "#00897b", repair: "#795548",
  };

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawChart(box, legend, timeline, causeText) {
    box.replaceChildren();
    const width = Math.max(480, box.clientWidth || 720);
    const pad = { left: 56, right: 16 };
    const mainH = 190, lossH = 90, impH = 56, gap = 22, top = 18;
    const height = top + mainH + gap + lossH + gap + impH + 26;
    const root = svg("svg", {
      id: "chart-svg", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "data-end": timeline.end, "data-buckets": timeline.buckets.length, "data-bucket": timeline.bucket,
    });
    box.append(root);
    const buckets = timeline.buckets;
    const size = timeline.bucket === "day" ? 86400000 : 3600000;
    if (!buckets.length) {
      root.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, "No activity in this window"));
      renderLegend(legend, [], causeText);
      return;
    }
    const t0 = buckets[0].ms, t1 = buckets[buckets.length - 1].ms + size;
    const x = (t) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
    const values = [timeline.start].concat(buckets.map((b) => b.likes));
    const hi = Math.max(1, ...values), lo = Math.min(0, ...values);
    const y = (v) => top + mainH - ((v - lo) / (hi - lo)) * mainH;

    // panel 1: the count, a line from each bucket's start value to its end value
    panel(root, "likes", top, mainH, width, pad);
    for (const tick of ticks(lo, hi)) {
      root.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), class: "grid" }));
      root.append(svg("text", { x: pad.left - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, compact(tick)));
    }
    let prev = timeline.start;
    const points = [[x(t0), y(prev)]];
    for (const b of buckets) {
      points.push([x(b.ms), y(prev)], [x(b.ms + size), y(b.likes)]);
      prev = b.likes;
    }
    root.append(svg("path", { d: "M" + points.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join("L"), class: "count-line" }));
    root.append(svg("text", { x: x(t1) - 2, y: y(prev) - 6, "text-anchor": "end", class: "end-label" }, prev.toLocaleString("en-US")));

    // panel 2: losses per bucket, stacked by cause
    const lossTop = top + mainH + gap;
    panel(root, "likes lost, by cause", lossTop, lossH, width, pad);
    const lossTotals = buckets.map((b) => Object.values(b.losses).reduce((a, d) => a - d, 0));
    const maxLoss = Math.max(1, ...lossTotals);
    const causes = new Set();
    for (const b of buckets) {
      let offset = 0;
      const w = Math.max(2, x(b.ms + size) - x(b.ms) - 1);
      for (const [cause, delta] of Object.entries(b.losses).sort()) {
        const h = (-delta / maxLoss) * lossH;
        root.append(svg("rect", {
          x: x(b.ms), y: lossTop + offset, width: w, height: Math.max(1, h), fill: COLOURS[cause] || "#999",
          class: "loss", "data-cause": cause, "data-delta": delta, "data-t": b.t,
        }));
        offset += h;
        causes.add(cause);
      }
    }
    root.append(svg("text", { x: pad.left - 6, y: lossTop + lossH, "text-anchor": "end", class: "tick" }, "-" + maxLoss));

    // panel 3: impressions
    const impTop = lossTop + lossH + gap;
    panel(root, "impressions", impTop, impH, width, pad);
    const maxImp = Math.max(1, ...buckets.map((b) => b.impressions));
    for (const b of buckets) {
      if (!b.impressions) continue;
      const h = (b.impressions / maxImp) * impH;
      root.append(svg("rect", {
        x: x(b.ms), y: impTop + impH - h, width: Math.max(2, x(b.ms + size) - x(b.ms) - 1), height: h,
        class: "impressions", "data-impressions": b.impressions,
      }));
    }
    if (buckets.some((b) => b.impressions)) {
      root.append(svg("text", { x: pad.left - 6, y: impTop + 10, "text-anchor": "end", class: "tick" }, compact(maxImp)));
    }

    // ranking versions: one marker across every panel
    for (const v of timeline.versions) {
      const vx = x(v.ms);
      root.append(svg("line", { x1: vx, x2: vx, y1: top - 6, y2: impTop + impH, class: "version", "data-version": v.version }));
      root.append(svg("text", { x: vx + 3, y: top - 6, class: "version-label" }, v.version));
    }
    // time axis
    const day = timeline.bucket === "day";
    const labels = Math.max(2, Math.min(buckets.length + 1, Math.floor((width - pad.left - pad.right) / 120)));
    for (let i = 0; i < labels; i++) {
      const t = t0 + ((t1 - t0) * i) / (labels - 1);
      const iso = new Date(t).toISOString();
      const text = day ? iso.slice(0, 10) : iso.slice(5, 16).replace("T", " ");
      const anchor = i === 0 ? "start" : i === labels - 1 ? "end" : "middle";
      root.append(svg("text", { x: x(t), y: height - 6, "text-anchor": anchor, class: "tick" }, text));
    }
    for (const label of root.labels || []) root.append(label);
    renderLegend(legend, [...causes].sort(), causeText);
  }

  function panel(root, label, y, h, width, pad) {
    root.append(svg("rect", { x: pad.left, y, width: width - pad.left - pad.right, height: h, class: "panel" }));
    // labels go on top of whatever the panel draws later
    root.labels = (root.labels || []).concat([svg("text", { x: pad.left + 4, y: y + 12, class: "panel-label" }, label)]);
  }

  function ticks(lo, hi) {
    const span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span || 1)));
    const unit = span / step > 5 ? step * 2 : span / step > 2 ? step : Math.max(1, step / 2);
    const out = [];
    for (let v = Math.ceil(lo / unit) * unit; v <= hi; v += unit) out.push(Math.round(v));
    return out;
  }

  function compact(n) {
    const size = Math.abs(n);
    return size >= 1e6 ? (n / 1e6).toFixed(1) + "M" : size >= 1e4 ? (n / 1e3).toFixed(0) + "k" : String(n);
  }

  function renderLegend(legend, causes, causeText) {
    legend.replaceChildren();
    for (const cause of causes) {
      const item = document.createElement("span");
      item.className = "legend-item";
      item.dataset.cause = cause;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = COLOURS[cause] || "#999";
      item.append(swatch, document.createTextNode(cause + " — " + (causeText[cause] || "")));
      legend.append(item);
    }
  }

  window.likeledgerChart = { draw: drawChart, colours: COLOURS };
})();
