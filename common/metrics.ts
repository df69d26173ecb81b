// Prometheus metrics registered once per Registry: the agent's services share one registry, and a test
// may start a service twice in one process; the second gets the metric the first registered instead of
// prom-client's "already registered" error.
import {
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';

type Unregistered<C> = Omit<C, 'registers'>;

export function counterIn<L extends string = string>(
  registry: Registry,
  config: Unregistered<CounterConfiguration<L>>,
): Counter<L> {
  return (
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter({ ...config, registers: [registry] })
  );
}

export function gaugeIn<L extends string = string>(
  registry: Registry,
  config: Unregistered<GaugeConfiguration<L>>,
): Gauge<L> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ??
    new Gauge({ ...config, registers: [registry] })
  );
}

export function histogramIn<L extends string = string>(
  registry: Registry,
  config: Unregistered<HistogramConfiguration<L>>,
): Histogram<L> {
  return (
    (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ??
    new Histogram({ ...config, registers: [registry] })
  );
}
