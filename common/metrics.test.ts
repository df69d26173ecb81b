import { Registry } from 'prom-client';
import { counterIn, gaugeIn, histogramIn } from './metrics.js';

describe('metrics registered once per registry', () => {
  it('returns the metric already registered under the name, and counts into it', async () => {
    const registry = new Registry();
    const first = counterIn(registry, { name: 'walt_test_total', help: 'h', labelNames: ['k'] as const });
    const second = counterIn(registry, { name: 'walt_test_total', help: 'h', labelNames: ['k'] as const });
    expect(second).toBe(first);
    first.inc({ k: 'a' });
    second.inc({ k: 'a' });
    expect(await registry.metrics()).toContain('walt_test_total{k="a"} 2');
  });

  it('keeps registries apart, for gauges and histograms too', () => {
    const [a, b] = [new Registry(), new Registry()];
    expect(gaugeIn(a, { name: 'walt_g', help: 'h' })).not.toBe(gaugeIn(b, { name: 'walt_g', help: 'h' }));
    const histogram = histogramIn(a, { name: 'walt_h', help: 'h', buckets: [1] });
    expect(histogramIn(a, { name: 'walt_h', help: 'h', buckets: [1] })).toBe(histogram);
    expect(a.getSingleMetric('walt_h')).toBe(histogram);
    expect(b.getSingleMetric('walt_h')).toBeUndefined();
  });
});
