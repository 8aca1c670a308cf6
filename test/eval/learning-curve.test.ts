import { describe, expect, it } from 'vitest';
import { curveFromHistory, lineChartSvg, niceStep } from '../../src/eval/learning-curve.js';

const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, 0) + min * 60000).toISOString();

describe('curveFromHistory', () => {
  it('gives minutes from the start to each evaluation, leaving out the gap between sessions', () => {
    const events = [
      { type: 'start', time: at(0), step: 0 },
      { type: 'step', time: at(1), step: 10 },
      { type: 'eval', time: at(2), step: 100, bleu: 5, chrf: 20, loss: 4 },
      { type: 'eval', time: at(4.5), step: 200, bleu: 9.5, chrf: 30, loss: 3 },
      { type: 'done', time: at(5), step: 210, reason: 'interrupted' },
      // resumed an hour later: the clock continues at 5 minutes
      { type: 'start', time: at(65), step: 210 },
      { type: 'eval', time: at(66), step: 300, bleu: 12, chrf: 35, loss: 2.5 },
    ];
    const c = curveFromHistory(events);
    expect(c.map((p) => p.step)).toEqual([100, 200, 300]);
    expect(c.map((p) => +p.minutes.toFixed(6))).toEqual([2, 4.5, 6]);
    expect(c.map((p) => p.bleu)).toEqual([5, 9.5, 12]);
    expect(c[2].chrf).toBe(35);
  });

  it('skips evaluations without BLEU and events before any start', () => {
    const c = curveFromHistory([
      { type: 'eval', time: at(0), step: 1, bleu: 3 },
      { type: 'start', time: at(1), step: 0 },
      { type: 'eval', time: at(2), step: 2, bleu: null, loss: 3 },
    ]);
    expect(c).toEqual([]);
  });
});

describe('niceStep', () => {
  it('is 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(60)).toBe(10);
    expect(niceStep(35)).toBe(5);
    expect(niceStep(3)).toBe(0.5);
    expect(niceStep(9)).toBe(2);
    expect(niceStep(0)).toBe(1);
  });
});

describe('lineChartSvg', () => {
  it('draws each series as a polyline in the plot area, axes from 0 to a round maximum', () => {
    const svg = lineChartSvg(
      [
        {
          label: 'val <BLEU>',
          points: [
            [0, 0],
            [30, 17],
            [60, 34],
          ],
        },
      ],
      { title: 't & u', xLabel: 'minutes', yLabel: 'BLEU', width: 640, height: 360 },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('val &lt;BLEU&gt;');
    expect(svg).toContain('t &amp; u');
    // x: 0..60 (step 10) over [56, 624]; y: 0..35 (step 5: 34/5 = 6.8 → 5) over [312, 36]
    const poly = /<polyline[^>]*points="([^"]+)"/
      .exec(svg)![1]
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(poly).toEqual(
      [
        [56, 312],
        [340, 312 - (17 / 35) * 276],
        [624, 312 - (34 / 35) * 276],
      ].map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]),
    );
    expect(svg).toContain('>35</text>');
    expect(svg).toContain('>60</text>');
  });
});
