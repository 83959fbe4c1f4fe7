// The HTML report's charts (src/report/html.rs embeds this file and the data object of
// html_data.rs). Canvas drawing, so a run of 100,000 actions draws as fast as one of ten:
// each redraw touches the rows on screen and, for folded groups, one pass over their attempts.
// No network, no library. Times are milliseconds.
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var M = Math.max(D.makespan, 0.001);
  var ROW = 16, AXIS = 22, LBL = 250, MAXH = 560;

  // Durations as the summaries print them: 1h 12m 35.7s, 3m 55s, 500ms.
  function human(t) {
    if (t < 0) return "-" + human(-t);
    if (t === 0) return "0s";
    var ms = Math.round(t);
    if (ms === 0) return "<1ms";
    if (ms < 1000) return ms + "ms";
    var parts = [], rest = ms, units = [["d", 86400000], ["h", 3600000], ["m", 60000]];
    for (var u = 0; u < units.length; u++) {
      if (rest >= units[u][1]) {
        parts.push(Math.floor(rest / units[u][1]) + units[u][0]);
        rest %= units[u][1];
      }
    }
    if (rest > 0) {
      var s = Math.floor(rest / 1000), f = rest % 1000;
      parts.push(f === 0 ? s + "s" : s + "." + String(f).padStart(3, "0").replace(/0+$/, "") + "s");
    }
    return parts.join(" ");
  }

  // Attempts: absolute times from the deltas, and the action of each.
  var B = D.bars, nb = B.q.length, A = D.act, na = A.group.length;
  var Q = new Float64Array(nb), S = new Float64Array(nb), R = new Float64Array(nb), E = new Float64Array(nb);
  var q = 0, i, j, k;
  for (i = 0; i < nb; i++) {
    q += B.q[i]; Q[i] = q; S[i] = q + B.s[i]; R[i] = S[i] + B.r[i]; E[i] = R[i] + B.e[i];
  }
  var first = new Int32Array(na + 1), actOf = new Int32Array(nb);
  for (i = 0, k = 0; i < na; i++) {
    first[i] = k;
    for (j = 0; j < A.n[i]; j++) actOf[k++] = i;
  }
  first[na] = nb;
  var hitAt = {};
  A.hits.forEach(function (h) { hitAt[h[0]] = h[1]; });
  function colourOf(a) {
    var env = D.envs[D.groups[A.group[a]].env];
    return env ? env[1] : "#888";
  }

  // The window of time every chart shows.
  var view = { from: 0, to: M }, charts = [];
  function setView(from, to) {
    var span = Math.max(to - from, Math.min(M, 0.001));
    if (span > M) span = M;
    from = Math.max(0, Math.min(from, M - span));
    view.from = from; view.to = from + span;
    redraw();
  }
  function zoomBy(factor, at) {
    if (at === undefined) at = (view.from + view.to) / 2;
    var f = (at - view.from) / (view.to - view.from), span = (view.to - view.from) * factor;
    setView(at - f * span, at - f * span + span);
  }
  function panBy(frac) {
    var span = view.to - view.from;
    setView(view.from + frac * span, view.to + frac * span);
  }
  function redraw() {
    charts.forEach(function (c) { c.draw(); });
    var r = document.getElementById("range");
    if (r) r.textContent = human(view.from) + " – " + human(view.to) + " (" + human(view.to - view.from) + " shown of " + human(M) + ")";
  }

  // Round tick steps for a span.
  var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5,
    18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5];
  function tickStep(span, px) {
    var want = Math.max(2, Math.floor(px / 90));
    for (var s = 0; s < STEPS.length; s++) if (span / STEPS[s] <= want) return STEPS[s];
    return 864e5 * Math.ceil(span / 864e5 / want);
  }

  var tip = document.getElementById("tip");
  function showTip(ev, html) {
    if (!html) { tip.style.display = "none"; return; }
    tip.innerHTML = html;
    tip.style.display = "block";
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function sizeCanvas(canvas, w, h) {
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  function axis(ctx, x0, w, top, height) {
    var span = view.to - view.from, step = tickStep(span, w);
    ctx.fillStyle = "#444"; ctx.font = "11px system-ui,sans-serif"; ctx.textAlign = "center";
    for (var t = Math.ceil(view.from / step) * step; t <= view.to + 1e-9; t += step) {
      var x = x0 + (t - view.from) / span * w;
      ctx.fillStyle = "#eee"; ctx.fillRect(Math.round(x), top, 1, height);
      ctx.fillStyle = "#444"; ctx.fillText(human(t), x, 14);
    }
    ctx.textAlign = "left";
  }

  // A timeline of rows: groups fold their children into one row of counts over time.
  // row: {label, bars: array of attempts, children: rows or null, open, kind: "action"|"track"|"group", action}
  function Timeline(el, rows, groupKind) {
    var wrap = document.createElement("div"), canvas = document.createElement("canvas"), spacer = document.createElement("div");
    wrap.className = "tlwrap"; canvas.className = "tl";
    wrap.appendChild(canvas); wrap.appendChild(spacer); el.appendChild(wrap);
    var flat = [], ctx = null, W = 0, H = 0;
    function flatten() {
      flat = [];
      (function add(list, depth) {
        for (var i = 0; i < list.length; i++) {
          list[i].depth = depth; flat.push(list[i]);
          if (list[i].children && list[i].open) add(list[i].children, depth + 1);
        }
      })(rows, 0);
    }
    function layout() {
      flatten();
      var total = AXIS + flat.length * ROW;
      H = Math.min(total, MAXH);
      wrap.style.height = H + "px";
      spacer.style.height = Math.max(0, total - H) + "px";
      W = Math.max(400, wrap.clientWidth);
      ctx = sizeCanvas(canvas, W, H);
    }
    function x(t) { return LBL + (t - view.from) / (view.to - view.from) * (W - LBL - 8); }
    function rowAt(y) {
      var r = Math.floor((y - AXIS + wrap.scrollTop) / ROW);
      return y >= AXIS && r >= 0 && r < flat.length ? flat[r] : null;
    }
    function density(bars, cols) {
      // Per pixel column: attempts running, and queued, at some moment of it.
      var run = new Float64Array(cols + 2), wait = new Float64Array(cols + 2), pw = W - LBL - 8;
      var k = pw / (view.to - view.from);
      for (var i = 0; i < bars.length; i++) {
        var b = bars[i];
        if (E[b] < view.from || Q[b] > view.to) continue;
        var a = Math.max(0, Math.floor((R[b] - view.from) * k)), z = Math.min(cols, Math.floor((E[b] - view.from) * k) + 1);
        if (z > a) { run[a] += 1; run[z] -= 1; }
        if (groupKind === "task" && S[b] > Q[b]) {
          a = Math.max(0, Math.floor((Q[b] - view.from) * k)); z = Math.min(cols, Math.floor((S[b] - view.from) * k) + 1);
          if (z > a) { wait[a] += 1; wait[z] -= 1; }
        }
      }
      for (i = 1; i <= cols; i++) { run[i] += run[i - 1]; wait[i] += wait[i - 1]; }
      return [run, wait];
    }
    function drawBar(b, y, colour) {
      var h = ROW - 3;
      if (groupKind === "task" && S[b] > Q[b]) {
        ctx.fillStyle = "#e4e4e4"; ctx.fillRect(x(Q[b]), y + 4, Math.max(0.5, x(S[b]) - x(Q[b])), h - 8);
      }
      if (R[b] > S[b]) {
        ctx.fillStyle = (B.flags[b] & 1) ? "#9a9a9a" : "#cfcfcf";
        ctx.fillRect(x(S[b]), y, Math.max(0.5, x(R[b]) - x(S[b])), h);
      }
      ctx.fillStyle = colour;
      ctx.fillRect(x(R[b]), y, Math.max(0.5, x(E[b]) - x(R[b])), h);
      var a = actOf[b];
      if (A.state[a] === 2 && b === first[a + 1] - 1) {
        ctx.fillStyle = "#c00"; ctx.fillRect(x(E[b]) - 1.5, y, 1.5, h);
      }
    }
    function draw() {
      if (!ctx) return;
      ctx.clearRect(0, 0, W, H);
      axis(ctx, LBL, W - LBL - 8, AXIS - 4, H);
      var top = wrap.scrollTop, firstRow = Math.floor(top / ROW), last = Math.min(flat.length, firstRow + Math.ceil(H / ROW) + 1);
      var cols = Math.max(1, Math.floor(W - LBL - 8));
      for (var r = firstRow; r < last; r++) {
        var row = flat[r], y = AXIS + r * ROW - top + 1;
        if (y < AXIS - ROW) continue;
        ctx.save();
        ctx.beginPath(); ctx.rect(0, AXIS, W, H - AXIS); ctx.clip();
        ctx.fillStyle = row.children ? "#111" : "#333";
        ctx.font = (row.children ? "bold " : "") + "11px system-ui,sans-serif";
        var label = (row.children ? (row.open ? "▾ " : "▸ ") : "") + row.label;
        ctx.save(); ctx.beginPath(); ctx.rect(0, y - 2, LBL - 6, ROW); ctx.clip();
        ctx.fillText(label, 4 + row.depth * 12, y + 10); ctx.restore();
        ctx.beginPath(); ctx.rect(LBL, y - 2, W - LBL - 8, ROW); ctx.clip();
        if (row.children && !row.open) {
          // Queued (grey, behind) and running (colour) each scaled to its own peak in view.
          var d = density(row.bars, cols), run = d[0], wait = d[1], peakRun = 1, peakWait = 1;
          for (var c = 0; c < cols; c++) { peakRun = Math.max(peakRun, run[c]); peakWait = Math.max(peakWait, wait[c]); }
          var colour = row.colour || "#4e79a7", h = ROW - 3;
          for (c = 0; c < cols; c++) {
            if (wait[c] > 0) { ctx.fillStyle = "#e0e0e0"; var hw = Math.max(1, wait[c] / peakWait * h); ctx.fillRect(LBL + c, y + h - hw, 1, hw); }
            if (run[c] > 0) { ctx.fillStyle = colour; var hr = Math.max(1, run[c] / peakRun * h); ctx.fillRect(LBL + c, y + h - hr, 1, hr); }
          }
        } else if (row.kind === "action") {
          var col = colourOf(row.action);
          for (var b = first[row.action]; b < first[row.action + 1]; b++) if (E[b] >= view.from && Q[b] <= view.to) drawBar(b, y, col);
          if (hitAt[row.action] !== undefined) {
            var cx = x(hitAt[row.action]);
            ctx.fillStyle = col; ctx.beginPath();
            ctx.moveTo(cx, y); ctx.lineTo(cx + 5, y + 6); ctx.lineTo(cx, y + 12); ctx.lineTo(cx - 5, y + 6); ctx.fill();
          }
        } else if (row.kind === "track") {
          for (var n = 0; n < row.bars.length; n++) {
            var bb = row.bars[n];
            if (E[bb] >= view.from && S[bb] <= view.to) drawBar(bb, y, colourOf(actOf[bb]));
          }
        }
        ctx.restore();
      }
    }
    function timeAt(px) { return view.from + (px - LBL) / (W - LBL - 8) * (view.to - view.from); }
    function describe(row, t) {
      if (row.children && !row.open) {
        var run = 0, wait = 0;
        for (var i = 0; i < row.bars.length; i++) {
          var b = row.bars[i];
          if (R[b] <= t && t < E[b]) run++;
          else if (groupKind === "task" && Q[b] <= t && t < S[b]) wait++;
        }
        return "<b>" + esc(row.label) + "</b>" + (row.settings ? " (" + esc(row.settings) + ")" : "") + "<br>at " + human(t) + ": " + run + " running" +
          (groupKind === "task" ? ", " + wait + " queued" : "") + "<br><i>click the name to unfold</i>";
      }
      var list = [];
      if (row.kind === "action") for (var b2 = first[row.action]; b2 < first[row.action + 1]; b2++) list.push(b2);
      else if (row.kind === "track") list = row.bars;
      var slack = (view.to - view.from) / (W - LBL) * 3;
      for (var n = 0; n < list.length; n++) {
        var bar = list[n];
        if (Q[bar] - slack <= t && t <= E[bar] + slack && (groupKind === "task" || S[bar] - slack <= t)) return attemptText(bar);
      }
      if (row.kind === "action" && hitAt[row.action] !== undefined) return "<b>cache hit</b>: " + esc(D.fqns[D.groups[A.group[row.action]].fqn]) + " at " + human(hitAt[row.action]);
      return null;
    }
    var drag = null;
    canvas.addEventListener("mousedown", function (ev) {
      drag = { x: ev.offsetX, y: ev.offsetY, from: view.from, to: view.to, moved: false };
      ev.preventDefault();
    });
    window.addEventListener("mousemove", function (ev) {
      if (!drag) return;
      var dx = ev.clientX - canvas.getBoundingClientRect().left - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      if (drag.moved) {
        var dt = dx / (W - LBL - 8) * (drag.to - drag.from);
        setView(drag.from - dt, drag.to - dt);
      }
    });
    window.addEventListener("mouseup", function () {
      if (drag && !drag.moved) {
        var row = rowAt(drag.y);
        if (row && row.children && drag.x < LBL) { row.open = !row.open; layout(); draw(); }
      }
      drag = null;
    });
    canvas.addEventListener("mousemove", function (ev) {
      if (drag && drag.moved) return;
      var row = rowAt(ev.offsetY);
      canvas.style.cursor = row && row.children && ev.offsetX < LBL ? "pointer" : "grab";
      showTip(ev, row && ev.offsetX >= LBL ? describe(row, timeAt(ev.offsetX)) : row && row.children ? esc(row.label) + (row.settings ? " (" + esc(row.settings) + ")" : "") : null);
    });
    canvas.addEventListener("mouseleave", function () { showTip(null, null); });
    canvas.addEventListener("wheel", function (ev) {
      if (ev.ctrlKey || ev.metaKey) {
        ev.preventDefault();
        zoomBy(Math.exp(ev.deltaY * 0.002), Math.max(view.from, Math.min(view.to, timeAt(ev.offsetX))));
      } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        ev.preventDefault();
        panBy((ev.shiftKey ? ev.deltaY : ev.deltaX) / (W - LBL));
      }
    }, { passive: false });
    wrap.addEventListener("scroll", draw);
    var self = {
      layout: layout, draw: draw,
      rows: function () { return flat.length; },
      setAll: function (open) {
        (function walk(list) { list.forEach(function (r) { if (r.children) { r.open = open; walk(r.children); } }); })(rows);
        layout(); draw();
      },
      toggleFirst: function () {
        for (var i = 0; i < rows.length; i++) if (rows[i].children) { rows[i].open = !rows[i].open; layout(); draw(); return true; }
        return false;
      }
    };
    return self;
  }

  function attemptText(b) {
    var a = actOf[b], g = D.groups[A.group[a]], n = b - first[a] + 1, node = B.node[b] ? D.nodes[B.node[b] - 1] : null;
    var s = "<b>" + esc(D.fqns[g.fqn]) + "</b> #" + a + ", attempt " + n + " of " + A.n[a] + " — " + D.states[A.state[a]];
    if (node) s += "<br>on " + esc(node[0]) + " (" + esc(node[1]) + ")" + (B.track[b] < 0 ? ", replica " + (-B.track[b] - 1) : "");
    s += "<br>queued " + human(Q[b]) + ", waited " + human(S[b] - Q[b]);
    if (R[b] > S[b]) s += "<br>" + ((B.flags[b] & 1) ? ((B.flags[b] & 2) ? "cold start + image pull " : "cold start ") : "waiting for its replica ") + human(R[b] - S[b]);
    s += "<br>ran " + human(R[b]) + " – " + human(E[b]) + " (" + human(E[b] - R[b]) + ")";
    if (g.settings) s += "<br>" + esc(g.settings);
    var ws = A.waits && A.waits[a];
    if (ws) {
      for (var k = 0; k + 2 < ws.length; k += 3) {
        if (ws[k] >= Q[b] && ws[k] < Math.max(S[b], Q[b] + 0.001)) s += "<br>waited " + human(ws[k]) + " – " + human(ws[k + 1]) + ": " + esc(A.whys[ws[k + 2]]);
      }
    }
    var inp = A.inputs[a];
    s += "<br>inputs " + (inp === null || inp === undefined ? "<i>not kept (report too large)</i>" : esc(inp));
    return s;
  }

  // By task: groups of identical actions (same task, same request), each action a row.
  function taskRows() {
    var members = D.groups.map(function () { return []; });
    for (var a = 0; a < na; a++) members[A.group[a]].push(a);
    // Small groups start unfolded, unless the run is large.
    return D.groups.map(function (g, gi) {
      var list = members[gi];
      var env = D.envs[g.env], colour = env ? env[1] : "#888";
      var actionRow = function (a) { return { label: "#" + a + " " + D.fqns[g.fqn], kind: "action", action: a, children: null }; };
      if (list.length === 1) { var r = actionRow(list[0]); r.label = g.label; return r; }
      var bars = [];
      list.forEach(function (a) { for (var b = first[a]; b < first[a + 1]; b++) bars.push(b); });
      return { label: g.label, settings: g.settings, colour: colour, bars: bars, open: na <= 200 && list.length <= 8, children: list.map(actionRow) };
    });
  }

  // By node: each node a group of its slots and replicas.
  function nodeRows() {
    var per = {};
    for (var b = 0; b < nb; b++) {
      var n = B.node[b];
      if (!n) continue;
      var tracks = per[n] || (per[n] = {});
      (tracks[B.track[b]] || (tracks[B.track[b]] = [])).push(b);
    }
    var nodes = Object.keys(per).map(Number).sort(function (x, y) { return x - y; });
    var open = nodes.length <= 12 && Object.keys(per).reduce(function (s, n) { return s + Object.keys(per[n]).length; }, 0) <= 60;
    return nodes.map(function (n) {
      var tracks = per[n], keys = Object.keys(tracks).map(Number).sort(function (x, y) { return x - y; }), all = [];
      var children = keys.map(function (t) {
        Array.prototype.push.apply(all, tracks[t]);
        return { label: (t < 0 ? "replica " + (-t - 1) : "slot " + t), kind: "track", bars: tracks[t], children: null };
      });
      var node = D.nodes[n - 1];
      return { label: node[0] + " (" + node[1] + ") ×" + all.length, colour: "#4e79a7", bars: all, open: open, children: children };
    });
  }

  // Step lines over time, zoomed with the timelines.
  function Lines(el, series, yMax, yText) {
    var canvas = document.createElement("canvas"), ctx = null, W = 0, H = 170;
    canvas.className = "tl"; el.appendChild(canvas);
    var legend = document.createElement("div"); legend.className = "note"; el.appendChild(legend);
    legend.innerHTML = series.map(function (s) { return "<span style=\"color:" + s.colour + "\">■</span> " + esc(s.name); }).join(" &nbsp; ");
    function x(t) { return LBL + (t - view.from) / (view.to - view.from) * (W - LBL - 8); }
    function y(v) { return H - 6 - v / yMax * (H - AXIS - 10); }
    function layout() { W = Math.max(400, el.clientWidth); ctx = sizeCanvas(canvas, W, H); }
    function valueAt(s, t) {
      var lo = 0, hi = s.times.length - 1, r = 0;
      while (lo <= hi) { var m = (lo + hi) >> 1; if (s.times[m] <= t) { r = m; lo = m + 1; } else hi = m - 1; }
      return s.times.length && s.times[0] <= t ? s.values[r] : 0;
    }
    function draw() {
      if (!ctx) return;
      ctx.clearRect(0, 0, W, H);
      axis(ctx, LBL, W - LBL - 8, AXIS - 4, H);
      ctx.fillStyle = "#444"; ctx.font = "11px system-ui,sans-serif";
      ctx.fillText(yText(yMax), LBL - 60, y(yMax) + 4); ctx.fillText(yText(0), LBL - 60, y(0));
      series.forEach(function (s) {
        ctx.strokeStyle = s.colour; ctx.lineWidth = 1.5; ctx.beginPath();
        var v = valueAt(s, view.from), px = x(view.from);
        ctx.moveTo(px, y(v));
        var lo = 0, hi = s.times.length;
        while (lo < hi) { var m = (lo + hi) >> 1; if (s.times[m] <= view.from) lo = m + 1; else hi = m; }
        for (var i = lo; i < s.times.length && s.times[i] <= view.to; i++) {
          var nx = x(s.times[i]);
          ctx.lineTo(nx, y(v)); v = s.values[i]; ctx.lineTo(nx, y(v));
        }
        ctx.lineTo(x(Math.min(view.to, M)), y(v));
        ctx.stroke();
      });
    }
    canvas.addEventListener("mousemove", function (ev) {
      if (ev.offsetX < LBL) { showTip(ev, null); return; }
      var t = view.from + (ev.offsetX - LBL) / (W - LBL - 8) * (view.to - view.from);
      showTip(ev, "at " + human(t) + "<br>" + series.map(function (s) { return esc(s.name) + ": " + yText(valueAt(s, t)); }).join("<br>"));
    });
    canvas.addEventListener("mouseleave", function () { showTip(null, null); });
    canvas.addEventListener("wheel", function (ev) {
      if (ev.ctrlKey || ev.metaKey) { ev.preventDefault(); zoomBy(Math.exp(ev.deltaY * 0.002)); }
    }, { passive: false });
    return { layout: layout, draw: draw };
  }

  // The overview: attempts running over the whole run, and the window shown; drag to choose.
  function Overview(el) {
    var canvas = document.createElement("canvas"), ctx = null, W = 0, H = 44, counts = null;
    canvas.className = "tl"; canvas.style.cursor = "crosshair"; el.appendChild(canvas);
    function x(t) { return LBL + t / M * (W - LBL - 8); }
    function layout() {
      W = Math.max(400, el.clientWidth); ctx = sizeCanvas(canvas, W, H);
      var cols = Math.max(1, Math.floor(W - LBL - 8)), k = cols / M;
      counts = new Float64Array(cols + 2);
      for (var b = 0; b < nb; b++) {
        var a = Math.floor(R[b] * k), z = Math.min(cols, Math.floor(E[b] * k) + 1);
        if (z > a) { counts[a] += 1; counts[z] -= 1; }
      }
      for (var i = 1; i <= cols; i++) counts[i] += counts[i - 1];
    }
    function draw() {
      if (!ctx) return;
      ctx.clearRect(0, 0, W, H);
      var cols = counts.length - 2, peak = 1;
      for (var c = 0; c < cols; c++) peak = Math.max(peak, counts[c]);
      ctx.fillStyle = "#9bb3cf";
      for (c = 0; c < cols; c++) if (counts[c] > 0) { var h = Math.max(1, counts[c] / peak * (H - 8)); ctx.fillRect(LBL + c, H - 4 - h, 1, h); }
      ctx.fillStyle = "rgba(78,121,167,0.18)"; ctx.strokeStyle = "#4e79a7";
      ctx.fillRect(x(view.from), 1, Math.max(2, x(view.to) - x(view.from)), H - 2);
      ctx.strokeRect(x(view.from), 1, Math.max(2, x(view.to) - x(view.from)), H - 2);
      ctx.fillStyle = "#444"; ctx.font = "11px system-ui,sans-serif";
      ctx.fillText("whole run (drag to choose)", 4, H / 2 + 4);
    }
    function timeAt(px) { return Math.max(0, Math.min(M, (px - LBL) / (W - LBL - 8) * M)); }
    var start = null;
    canvas.addEventListener("mousedown", function (ev) { start = timeAt(ev.offsetX); ev.preventDefault(); });
    canvas.addEventListener("mousemove", function (ev) {
      if (start === null) return;
      var t = timeAt(ev.offsetX);
      if (Math.abs(t - start) > 0) setView(Math.min(start, t), Math.max(start, t));
    });
    window.addEventListener("mouseup", function (ev) {
      if (start === null) return;
      var t = ev.target === canvas ? timeAt(ev.offsetX) : start;
      if (Math.abs(x(t) - x(start)) < 3) { var span = view.to - view.from; setView(start - span / 2, start + span / 2); }
      start = null;
    });
    return { layout: layout, draw: draw };
  }

  var tasks = Timeline(document.getElementById("tl-tasks"), taskRows(), "task");
  var nodes = Timeline(document.getElementById("tl-nodes"), nodeRows(), "node");
  var overview = Overview(document.getElementById("overview"));
  var POOL_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];
  var poolMax = 1;
  var pools = D.pools.map(function (p, i) {
    p.counts.forEach(function (c) { poolMax = Math.max(poolMax, c); });
    return { name: p.name, colour: POOL_COLOURS[i % POOL_COLOURS.length], times: p.times, values: p.counts };
  });
  var poolChart = Lines(document.getElementById("pools"), pools, poolMax, function (v) { return v + " node" + (v === 1 ? "" : "s"); });
  var util = D.util.keys.map(function (key, j) {
    return { name: key, colour: POOL_COLOURS[j % POOL_COLOURS.length], times: D.util.times, values: D.util.values[j].map(function (v) { return v / 10; }) };
  });
  var utilChart = Lines(document.getElementById("util"), util, 100, function (v) { return (Math.round(v * 10) / 10) + "%"; });
  charts = [overview, tasks, nodes, poolChart, utilChart];
  charts.forEach(function (c) { c.layout(); });
  redraw();

  function on(id, f) { var e = document.getElementById(id); if (e) e.addEventListener("click", f); }
  on("zoom-in", function () { zoomBy(0.5); });
  on("zoom-out", function () { zoomBy(2); });
  on("pan-left", function () { panBy(-0.25); });
  on("pan-right", function () { panBy(0.25); });
  on("fit", function () { setView(0, M); });
  on("unfold", function () { tasks.setAll(true); nodes.setAll(true); });
  on("fold", function () { tasks.setAll(false); nodes.setAll(false); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.layout(); }); redraw(); });
  window.addEventListener("keydown", function (ev) {
    if (ev.target && /INPUT|TEXTAREA/.test(ev.target.tagName)) return;
    if (ev.key === "+" || ev.key === "=") zoomBy(0.5);
    else if (ev.key === "-") zoomBy(2);
    else if (ev.key === "ArrowLeft") panBy(-0.25);
    else if (ev.key === "ArrowRight") panBy(0.25);
    else if (ev.key === "0") setView(0, M);
  });
  document.body.setAttribute("data-rendered", "attempts=" + nb + " actions=" + na + " task-rows=" + tasks.rows() +
    " node-rows=" + nodes.rows() + " ms=" + Math.round(performance.now() - t0));

  // `#selftest`: fold and unfold, zoom and pan, and say what happened (the browser check).
  if (location.hash === "#selftest") {
    var out = [], rows0 = tasks.rows();
    if (tasks.toggleFirst()) { out.push("toggle " + rows0 + "->" + tasks.rows()); tasks.toggleFirst(); }
    zoomBy(0.25);
    var span = view.to - view.from;
    out.push("zoom " + (Math.abs(span - M / 4) < M * 1e-9 + 1e-6 ? "ok" : "bad " + span));
    var before = view.from;
    panBy(0.5);
    out.push("pan " + (view.from > before ? "ok" : "bad"));
    setView(0, M);
    out.push("fit " + (view.from === 0 && view.to === M ? "ok" : "bad"));
    out.push("human " + (human(4335700) === "1h 12m 15.7s" && human(500) === "500ms" ? "ok" : "bad"));
    document.body.setAttribute("data-selftest", out.join("; "));
  }
})();
