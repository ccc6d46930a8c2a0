import type { Sample } from './figures.ts';

const W = 900;
const H = 360;
const PAD = { left: 60, right: 16, top: 28, bottom: 40 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** Picks a round axis step giving about `ticks` ticks up to `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? mag * 10;
}

/** The forecast as a step line, broken where no trusted forecast was made. */
function forecastPath(
  samples: readonly Sample[],
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  let path = '';
  let open = false;
  for (const s of samples) {
    if (s.forecast === undefined) {
      open = false;
      continue;
    }
    const px = x(s.t).toFixed(1);
    const py = y(s.forecast).toFixed(1);
    path += open ? `H${px}V${py}` : `M${px},${py}`;
    open = true;
  }
  return path;
}

/**
 * Draws a run as a hand-written SVG (no dependency): demand in hosts' worth (demand ÷ target),
 * ready capacity (active hosts), every host held (active + booting + draining) and, when the policy
 * forecasts, the trusted forecast's upper bound, over time.
 */
export function renderSvg(samples: readonly Sample[], target: number, title: string): string {
  const tMax = Math.max(1, samples.at(-1)?.t ?? 1);
  // A loop, not Math.max(...samples): a multi-day run has more samples than the call stack holds.
  let peak = 1;
  for (const s of samples) {
    peak = Math.max(peak, s.demand / target, s.active + s.booting + s.draining, s.forecast ?? 0);
  }
  const yMax = peak * 1.1;
  const x = (t: number) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  // One point per pixel column is plenty; long runs (8 h = 28,800 s) are thinned.
  const every = Math.max(1, Math.floor(samples.length / (W - PAD.left - PAD.right)));
  const thin = samples.filter((_, i) => i % every === 0 || i === samples.length - 1);
  const line = (value: (s: Sample) => number, step: boolean) =>
    thin
      .map((s, i) => {
        const px = x(s.t).toFixed(1);
        const py = y(value(s)).toFixed(1);
        if (i === 0) return `M${px},${py}`;
        return step ? `H${px}V${py}` : `L${px},${py}`;
      })
      .join('');
  const yStep = niceStep(yMax, 6);
  const tStep = niceStep(tMax, 8);
  const grid: string[] = [];
  for (let v = 0; v <= yMax; v += yStep) {
    grid.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    );
  }
  for (let t = 0; t <= tMax; t += tStep) {
    grid.push(`<text x="${x(t).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  const hasForecast = samples.some((s) => s.forecast !== undefined);
  const legend = [
    ['#d62728', 'demand ÷ target (hosts needed)'],
    ['#1f77b4', 'active hosts (ready capacity)'],
    ['#9e9e9e', 'hosts held (active + booting + draining)'],
    ...(hasForecast ? [['#ff7f0e', 'forecast peak ÷ target (trusted)']] : []),
  ]
    .map(
      ([color, label], i) =>
        `<rect x="${PAD.left + 10 + i * 205}" y="8" width="12" height="3" fill="${color}"/><text x="${PAD.left + 26 + i * 205}" y="14">${label}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    ...grid,
    `<path d="${line((s) => s.active + s.booting + s.draining, true)}" fill="none" stroke="#9e9e9e" stroke-width="1.5"/>`,
    `<path d="${line((s) => s.active, true)}" fill="none" stroke="#1f77b4" stroke-width="2"/>`,
    `<path d="${line((s) => s.demand / target, false)}" fill="none" stroke="#d62728" stroke-width="1.2"/>`,
    ...(hasForecast
      ? [
          `<path d="${forecastPath(thin, x, y)}" fill="none" stroke="#ff7f0e" stroke-width="1.2" stroke-dasharray="4 2"/>`,
        ]
      : []),
    legend,
    `<text transform="translate(14 ${((H - PAD.bottom + PAD.top) / 2).toFixed(0)}) rotate(-90)" text-anchor="middle">hosts</text>`,
    `<text x="${(W / 2).toFixed(0)}" y="${H - 6}" text-anchor="middle">time (s) — ${escapeXml(title)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
