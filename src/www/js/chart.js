// chart.js - a grouped bar chart on a <canvas>, no library.
//
//   barChart(canvas, {
//     labels: ['anna', 'olga'],                  // one group of bars each
//     series: [{name: 'taken within 30 s', values: [83.3, 100]}, ...],
//     max: 100, unit: '%', title: '...',
//   });
//
// Draws the y axis with ticks and grid lines, the x axis with the group
// labels (every k-th when they crowd, slanted when long), the bars, the
// value over each bar when there is room, and a legend.  Series differ by
// colour and by fill pattern (solid, hatched, dotted), so the chart does not
// rely on colour alone.  The canvas gets an aria-label that says what it
// shows; the numbers themselves belong in a table beside it.  The drawing
// is sharp on high-density screens (devicePixelRatio).  Null values draw
// no bar.

const FALLBACK = ['#4f9dff', '#ffb454', '#5fd38a', '#d08cff'];

function cssVar(el, name, fallback) {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v || fallback;
}

// A fill for series i: solid, then hatched, then dotted.
function seriesFill(ctx, i, colour) {
  if (i === 0)
    return colour;
  const p = document.createElement('canvas');
  p.width = p.height = 8;
  const c = p.getContext('2d');
  c.fillStyle = colour;
  c.strokeStyle = colour;
  if (i === 1) {
    c.lineWidth = 2.5;
    c.beginPath();
    c.moveTo(-2, 10); c.lineTo(10, -2);
    c.moveTo(-2, 2); c.lineTo(2, -2);
    c.moveTo(6, 10); c.lineTo(10, 6);
    c.stroke();
  } else {
    c.beginPath();
    c.arc(2, 2, 1.6, 0, Math.PI * 2);
    c.arc(6, 6, 1.6, 0, Math.PI * 2);
    c.fill();
  }
  return ctx.createPattern(p, 'repeat');
}

// A "nice" step for about n ticks up to max.
function niceStep(max, n) {
  const raw = max / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10])
    if (raw <= m * mag)
      return m * mag;
  return 10 * mag;
}

function fmt(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function barChart(canvas, opts) {
  const labels = opts.labels || [];
  const series = opts.series || [];
  const unit = opts.unit || '';
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || Number(canvas.getAttribute('width')) || 640;
  const cssH = canvas.clientHeight || Number(canvas.getAttribute('height')) || 300;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);

  const ink = cssVar(canvas, '--chart-ink', '#eef2f6');
  const grid = cssVar(canvas, '--chart-grid', '#33414f');
  const colours = series.map((s, i) => s.colour || cssVar(canvas, '--chart-' + (i + 1), FALLBACK[i % FALLBACK.length]));
  const font = '12px system-ui, sans-serif';
  ctx.font = font;
  ctx.fillStyle = ink;
  ctx.strokeStyle = ink;

  let max = opts.max;
  if (!max) {
    max = 0;
    for (const s of series)
      for (const v of s.values)
        if (v !== null && v > max)
          max = v;
    max = max > 0 ? max : 1;
  }
  const step = niceStep(max, 5);
  const top = Math.ceil(max / step) * step;

  // Room for the labels: the longest label decides whether they slant.
  const longest = labels.reduce((m, l) => Math.max(m, ctx.measureText(String(l)).width), 0);
  const left = 12 + ctx.measureText(fmt(top) + unit).width + 8;
  const right = 12;
  const titleH = opts.title ? 36 : 20;   // room for the top tick and a full bar's value
  const legendH = series.length ? 22 : 0;
  const plotW = Math.max(cssW - left - right, 10);
  const groupW = labels.length ? plotW / labels.length : plotW;
  const slant = longest > groupW - 4;
  const labelH = slant ? Math.min(longest * 0.72 + 14, 110) : 20;
  const bottom = labelH + legendH + 8;
  const plotH = Math.max(cssH - titleH - bottom, 10);
  const y0 = titleH + plotH;     // the x axis

  if (opts.title) {
    ctx.font = 'bold 13px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(opts.title, left, 2);
    ctx.font = font;
  }

  // y axis: ticks, grid lines, labels.
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 1;
  for (let v = 0; v <= top + step / 1000; v += step) {
    const y = Math.round(y0 - (v / top) * plotH) + 0.5;
    ctx.strokeStyle = grid;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + plotW, y);
    ctx.stroke();
    ctx.fillText(fmt(v) + unit, left - 6, y);
  }
  ctx.strokeStyle = ink;
  ctx.beginPath();
  ctx.moveTo(left + 0.5, titleH);
  ctx.lineTo(left + 0.5, y0 + 0.5);
  ctx.lineTo(left + plotW, y0 + 0.5);
  ctx.stroke();

  // Bars, grouped.
  const n = Math.max(series.length, 1);
  const pad = Math.min(groupW * 0.2, 16);
  const barW = Math.max((groupW - pad) / n, 1);
  const fills = series.map((s, i) => seriesFill(ctx, i, colours[i]));
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(plotW / 18))));
  let drawn = 0;
  labels.forEach((label, g) => {
    const gx = left + g * groupW + pad / 2;
    series.forEach((s, i) => {
      const v = s.values[g];
      if (v === null || v === undefined)
        return;
      const hgt = (Math.min(v, top) / top) * plotH;
      const x = gx + i * barW;
      drawn++;
      ctx.fillStyle = fills[i];
      ctx.fillRect(x, y0 - hgt, barW - 1, hgt);
      ctx.strokeStyle = colours[i];
      ctx.strokeRect(x + 0.5, y0 - hgt + 0.5, barW - 2, Math.max(hgt - 1, 0));
      if (barW >= 26) {
        ctx.fillStyle = ink;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'bottom';
        ctx.fillText(fmt(v), x + barW / 2, y0 - hgt - 2);
      }
    });
    if (g % every !== 0)
      return;
    ctx.fillStyle = ink;
    const cx = left + g * groupW + groupW / 2;
    ctx.save();
    if (slant) {
      ctx.translate(cx, y0 + 6);
      ctx.rotate(-Math.PI / 4);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(label), 0, 0);
    } else {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(String(label), cx, y0 + 5);
    }
    ctx.restore();
  });

  // Legend: a swatch with the series' fill, then its name.
  let lx = left;
  const ly = cssH - legendH + 4;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  series.forEach((s, i) => {
    ctx.fillStyle = fills[i];
    ctx.fillRect(lx, ly, 14, 14);
    ctx.strokeStyle = colours[i];
    ctx.strokeRect(lx + 0.5, ly + 0.5, 13, 13);
    ctx.fillStyle = ink;
    ctx.fillText(s.name, lx + 20, ly + 7);
    lx += 20 + ctx.measureText(s.name).width + 18;
  });

  canvas.dataset.bars = String(drawn);   // what was drawn, for tests and tools
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', (opts.title ? opts.title + ': ' : '') +
    'bar chart of ' + series.map(s => s.name).join(' and ') + ' for ' + labels.length +
    ' group(s); the same numbers are in the table.');
}
