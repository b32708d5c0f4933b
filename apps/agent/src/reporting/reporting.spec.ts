import { parseLoad } from './load-scraper';
import { LatencyHistogram } from '../content/histogram';
import { hdrDeltaToHistogram } from './stats-source';

describe('reporting', () => {
  it.each([
    ['{"load":0.5,"cpu":{"user":12},"name":"x","bad-key":1}', 'application/json', 'json', [{ name: 'load', value: 0.5 }, { name: 'cpu.user', value: 12 }]],
    ['# HELP load x\nload 0.25\nqueue_depth 3\nreq{code="200"} 5\n', 'text/plain', 'prometheus', [{ name: 'load', value: 0.25 }, { name: 'queue_depth', value: 3 }]],
  ])('parses a load document %#', (body, type, format, values) => {
    expect(parseLoad(body, type)).toEqual({ format, values });
  });

  it('turns the difference of two cumulative snapshots into the interval\'s HDR histogram, at ≈3 % resolution', () => {
    const live = new LatencyHistogram();
    for (const ms of [1, 2, 3]) live.record(ms);
    const before = live.hdr.slice();
    const sumBefore = live.sumMs;
    // This interval: 90 requests at 12 ms and 10 at 130 ms (1-2-5 buckets would read 15 and 150).
    for (let i = 0; i < 90; i++) live.record(12);
    for (let i = 0; i < 10; i++) live.record(130);
    const h = hdrDeltaToHistogram(live.hdr, before, live.sumMs - sumBefore);
    expect(h.count).toBe(100);
    expect(h.sum).toBe(90 * 12_000 + 10 * 130_000);
    expect(Math.abs(h.percentile(50) - 12_000) / 12_000).toBeLessThan(0.03);
    expect(Math.abs(h.percentile(95) - 130_000) / 130_000).toBeLessThan(0.03);
    expect(Math.abs(h.max - 130_000) / 130_000).toBeLessThan(0.03);
    expect(hdrDeltaToHistogram(live.hdr, live.hdr.slice(), 0).count).toBe(0);
  });
});
