import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  barChart,
  cdfChart,
  escapeXml,
  formatTick,
  lineChart,
  logTicks,
  niceTicks,
} from '../../../hack/bench/svg.js';

describe('bench svg', () => {
  it('picks round ticks', () => {
    assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0, 0.5), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    assert.deepEqual(logTicks(3, 4000), [1, 10, 100, 1000, 10000]);
    assert.equal(formatTick(1500), '1.5k');
    assert.equal(formatTick(2_000_000), '2M');
    assert.equal(formatTick(0.005), '0.005');
  });

  it('escapes text', () => {
    assert.equal(escapeXml('a < b & "c"'), 'a &lt; b &amp; &quot;c&quot;');
  });

  it('draws a well-formed line chart with a legend, markers and a target line', () => {
    const svg = lineChart({
      title: 'T <1>',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      series: [
        {
          name: 'a',
          points: [
            [1, 1],
            [10, 2],
            [100, 3],
          ],
        },
        {
          name: 'b',
          points: [
            [1, 2],
            [100, 1],
          ],
        },
      ],
      target: { y: 2.5, label: 'goal' },
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
    assert.ok(svg.includes('T &lt;1&gt;'));
    assert.ok(svg.includes('stroke-dasharray'));
    assert.ok(svg.includes('>goal<'));
    // Every coordinate is a finite number.
    assert.ok(!/NaN|Infinity/.test(svg));
  });

  it('draws CDFs up to 100% and bars sized to their values', () => {
    const cdf = cdfChart('c', 'ms', [{ name: 's', values: [3, 1, 2] }]);
    assert.ok(cdf.includes('<polyline'));
    assert.ok(!/NaN/.test(cdf));
    const bars = barChart({
      title: 'b',
      unit: 'ms',
      bars: [
        { label: 'small', value: 10 },
        { label: 'big', value: 1000 },
      ],
    });
    const widths = [...bars.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="22"/g)].map((m) =>
      Number(m[1]),
    );
    assert.equal(widths.length, 2);
    assert.ok((widths[1] ?? 0) > (widths[0] ?? 0) * 50);
    assert.match(bars, /height="\d+" viewBox="0 0 720 \d+"/);
  });
});
