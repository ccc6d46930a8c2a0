import { describe, expect, it } from 'vitest';
import type { Sample } from './figures.ts';
import { renderSvg } from './svg.ts';

const sample = (t: number, extra: Partial<Sample> = {}): Sample => ({
  t,
  demand: 80 + (t % 100),
  active: 10,
  booting: 0,
  draining: 0,
  before: 10,
  ...extra,
});

describe('renderSvg', () => {
  it('draws a multi-day run (one sample per second) without running out of stack', () => {
    const samples = Array.from({ length: 3 * 86_400 }, (_, t) => sample(t));
    const svg = renderSvg(samples, 8, 'three days');
    expect(svg).toContain('<title>three days</title>');
    expect(svg.length).toBeLessThan(200_000); // thinned to about one point per pixel column
  });

  it('draws the trusted forecast where there is one, and says so in the legend', () => {
    const samples = Array.from({ length: 600 }, (_, t) => sample(t, t >= 300 ? { forecast: 14 } : {}));
    const svg = renderSvg(samples, 8, 'forecast');
    expect(svg).toContain('forecast peak ÷ target (trusted)');
    expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+H[^"]*" fill="none" stroke="#ff7f0e"/);
    expect(renderSvg(samples.slice(0, 300), 8, 'none')).not.toContain('#ff7f0e');
  });
});
