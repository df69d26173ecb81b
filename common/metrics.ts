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

/** The metric `name` of `registry`, made by `create` (which registers it) the first time. */
function registered<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

export const counterIn = <L extends string = string>(
  registry: Registry,
  config: Unregistered<CounterConfiguration<L>>,
): Counter<L> => registered(registry, config.name, () => new Counter({ ...config, registers: [registry] }));

export const gaugeIn = <L extends string = string>(
  registry: Registry,
  config: Unregistered<GaugeConfiguration<L>>,
): Gauge<L> => registered(registry, config.name, () => new Gauge({ ...config, registers: [registry] }));

export const histogramIn = <L extends string = string>(
  registry: Registry,
  config: Unregistered<HistogramConfiguration<L>>,
): Histogram<L> =>
  registered(registry, config.name, () => new Histogram({ ...config, registers: [registry] }));
