// The report as one self-contained HTML file: inline CSS and inline SVG charts (quality vs cost, quality vs
// latency), no scripts, fonts or images from anywhere else, so it can be mailed or archived as it is.
import type { ConfigReport, RunReport } from './report.js';

const esc = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const fmt = (x: number, d = 4) => (Number.isFinite(x) ? String(Math.round(x * 10 ** d) / 10 ** d) : '–');

interface Point {
  x: number;
  y: number;
  label: string;
  recommended: boolean;
}

/** A scatter plot with axes and tick labels; points are configurations, the recommended one highlighted. */
export function scatterSvg(points: Point[], xLabel: string, yLabel: string): string {
  const W = 520;
  const H = 320;
  const m = { l: 64, r: 16, t: 16, b: 48 };
  if (points.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60" role="img"><text x="10" y="30">no scored configuration</text></svg>`;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  // Padded ranges; cost and latency are never negative, so a range of non-negative values starts at 0 at most.
  const span = (lo: number, hi: number) => {
    const [a, b] = hi - lo > 0 ? [lo - (hi - lo) * 0.08, hi + (hi - lo) * 0.08] : [lo - (Math.abs(lo) * 0.1 || 1), hi + (Math.abs(hi) * 0.1 || 1)];
    return [lo >= 0 ? Math.max(0, a) : a, b];
  };
  const [x0, x1] = span(Math.min(...xs), Math.max(...xs)) as [number, number];
  const [y0, y1] = span(Math.min(...ys), Math.max(...ys)) as [number, number];
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const ticks = (lo: number, hi: number) => [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(yLabel)} vs ${esc(xLabel)}">`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#444"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#444"/>`,
  ];
  for (const t of ticks(x0, x1)) parts.push(`<text x="${px(t).toFixed(1)}" y="${H - m.b + 16}" font-size="10" text-anchor="middle">${esc(fmt(t, 6))}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<text x="${m.l - 6}" y="${(py(t) + 3).toFixed(1)}" font-size="10" text-anchor="end">${esc(fmt(t, 3))}</text>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text x="14" y="${(m.t + H - m.b) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(m.t + H - m.b) / 2})">${esc(yLabel)}</text>`);
  for (const p of points) {
    const cx = px(p.x).toFixed(1);
    const cy = py(p.y).toFixed(1);
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="${p.recommended ? 7 : 5}" fill="${p.recommended ? '#1a7f37' : '#0969da'}" stroke="#fff"><title>${esc(p.label)}: ${esc(fmt(p.y))} at ${esc(fmt(p.x, 6))}</title></circle>`,
      `<text x="${cx}" y="${(py(p.y) - 9).toFixed(1)}" font-size="9" text-anchor="middle">${esc(p.label.slice(0, 32))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export function renderHtml(report: RunReport): string {
  const scored = report.configurations.filter((c) => c.metrics[report.primary]);
  const point = (c: ConfigReport, x: number): Point => ({ x, y: c.metrics[report.primary]!.mean, label: c.label, recommended: c.key === report.recommendation?.key });
  const metricNames = [...new Set(report.configurations.flatMap((c) => Object.keys(c.metrics)))].sort();
  const rec = report.recommendation;
  const recBox = rec
    ? `<section class="rec"><h2>Recommendation: ${esc(rec.label)}</h2><p>${esc(rec.why)}.</p><ul>
<li>${esc(rec.evidence.metric)}: <b>${esc(rec.evidence.score)}</b> (best: ${esc(rec.evidence.best.score)}, ${esc(rec.evidence.best.label)})</li>
${rec.evidence.difference ? `<li>difference to the best: ${esc(rec.evidence.difference.value)} (95% CI ${esc(rec.evidence.difference.ci95[0])} to ${esc(rec.evidence.difference.ci95[1])}, permutation p = ${esc(rec.evidence.difference.pValue)})</li>` : ''}
<li>cost per query: $${esc(rec.evidence.costPerQueryUsd)}; latency p50 ${esc(rec.evidence.latencyP50Ms)} ms, p95 ${esc(rec.evidence.latencyP95Ms)} ms</li>
<li>tolerance: ${esc(rec.evidence.tolerance)}; dataset classification: ${esc(report.dataset.classification ?? 'unspecified')}</li></ul></section>`
    : `<section class="rec none"><h2>No recommendation</h2><p>${esc(report.recommendationNote)}</p></section>`;
  const rows = report.configurations
    .map((c) => {
      const cmp = report.comparisons.find((x) => x.key === c.key);
      return `<tr${c.key === rec?.key ? ' class="picked"' : ''}><td>${esc(c.label)}<br><small>${esc(c.key)}</small></td><td>${esc(c.status)}${c.ineligible ? `<br><small>${esc(c.ineligible)}</small>` : ''}</td>${metricNames
        .map((m) => `<td>${c.metrics[m] ? `${esc(c.metrics[m]!.mean)}<small> n=${esc(c.metrics[m]!.n)}</small>` : ''}</td>`)
        .join('')}<td>${esc(c.latencyMs.p50)} / ${esc(c.latencyMs.p95)}</td><td>${esc(c.costUsd.perQuery)}</td><td>${esc(c.tokens.input)} / ${esc(c.tokens.output)}</td><td>${cmp ? `${esc(fmt(cmp.diff))} [${esc(fmt(cmp.ci95[0]))}, ${esc(fmt(cmp.ci95[1]))}] p=${esc(fmt(cmp.pValue))}` : ''}</td><td>${c.judge ? esc(c.judge.unparsable) : ''}</td></tr>`;
    })
    .join('\n');
  const warnings = report.warnings.length
    ? `<section><h2>Warnings</h2><ul>${report.warnings.map((w) => `<li>${esc(w.scope)}: ${esc(w.message)}${w.examples.length ? ` (e.g. ${esc(w.examples.join(', '))})` : ''}</li>`).join('')}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata evaluation: ${esc(report.run.spec)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}tr.picked{background:#dafbe1}small{color:#59636e}.rec{border:2px solid #1a7f37;padding:8px 16px;border-radius:6px;margin:16px 0}
.rec.none{border-color:#bf8700}.charts{display:flex;flex-wrap:wrap;gap:24px}
</style></head><body>
<h1>Evaluation: ${esc(report.run.spec)}</h1>
<p>Run <code>${esc(report.run.id)}</code> (${esc(report.run.status)}), dataset <b>${esc(report.dataset.name)}</b> with ${esc(report.dataset.questions)} questions,
started ${esc(report.run.startedAt)}${report.run.finishedAt ? `, finished ${esc(report.run.finishedAt)}` : ''}. Primary metric: <b>${esc(report.primary)}</b>.</p>
${recBox}
<section><h2>Quality, cost and latency</h2><div class="charts">
<figure>${scatterSvg(scored.map((c) => point(c, c.costUsd.perQuery)), 'cost per query (USD)', report.primary)}<figcaption>${esc(report.primary)} vs cost per query</figcaption></figure>
<figure>${scatterSvg(scored.map((c) => point(c, c.latencyMs.p95)), 'p95 latency (ms)', report.primary)}<figcaption>${esc(report.primary)} vs p95 latency</figcaption></figure>
</div></section>
<section><h2>Configurations</h2><table><thead><tr><th>configuration</th><th>status</th>${metricNames.map((m) => `<th>${esc(m)}</th>`).join('')}<th>p50 / p95 ms</th><th>$ / query</th><th>tokens in / out</th><th>Δ vs best (95% CI, p)</th><th>judge unparsable</th></tr></thead>
<tbody>${rows}</tbody></table></section>
${warnings}
${report.run.skipped.length ? `<section><h2>Skipped combinations</h2><ul>${report.run.skipped.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></section>` : ''}
</body></html>
`;
}
