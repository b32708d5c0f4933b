import { parseLoad } from './load-scraper';
import { bucketDeltaToHistogram } from './stats-source';

describe('reporting', () => {
  it.each([
    ['{"load":0.5,"cpu":{"user":12},"name":"x","bad-key":1}', 'application/json', 'json', [{ name: 'load', value: 0.5 }, { name: 'cpu.user', value: 12 }]],
    ['# HELP load x\nload 0.25\nqueue_depth 3\nreq{code="200"} 5\n', 'text/plain', 'prometheus', [{ name: 'load', value: 0.25 }, { name: 'queue_depth', value: 3 }]],
  ])('parses a load document %#', (body, type, format, values) => {
    expect(parseLoad(body, type)).toEqual({ format, values });
  });

  it('turns the difference of cumulative buckets into a histogram with exact totals', () => {
    const bounds = [1, 2, 5];
    const h = bucketDeltaToHistogram(bounds, [3, 5, 1, 2], [1, 5, 0, 0]);
    expect(h.count).toBe(5);
    expect(h.percentile(0)).toBe(500);
    expect(h.percentile(100)).toBe(7500);
  });
});
