/**
 * Prometheus metrics on the agent's own Registry. Data-plane counters are plain numbers on the
 * backends; these collectors read them at scrape time, so the hot path never touches prom-client.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ContentModule } from '../content/content.module';
import { ERROR_CAUSES, STATUS_CLASSES } from '../content/backend';
import { LATENCY_BOUNDS_MS } from '../content/histogram';

type Labels = Record<string, string | number>;
interface Value { labels: Labels; value: number; metricName?: string }

function collector(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => Value[]) {
  return { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }) };
}

export function createMetricsRegistry(content: ContentModule): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'headroom_agent_' });
  const each = <T>(f: (service: string, backend: string, b: import('../content/backend').Backend) => T[]) => () =>
    [...content.allBackends()].flatMap(({ service, backend }) => f(service, backend.config.name, backend)) as unknown as Value[];
  const metrics = [
    collector('headroom_agent_config_version', 'Version of the configuration document being served (-1: none).', 'gauge', () => [{ labels: {}, value: content.configVersion ?? -1 }]),
    collector('headroom_proxy_requests_total', 'Client requests received by the data plane.', 'counter', () => [{ labels: {}, value: content.totals.requests }]),
    collector('headroom_proxy_responses_total', 'Responses sent to clients, by status class.', 'counter', () => STATUS_CLASSES.map((c) => ({ labels: { class: c }, value: content.totals.responses[c] }))),
    collector('headroom_proxy_unrouted_total', 'Requests answered locally: no_route (404), no_backend (503), rejected (malformed).', 'counter', () => [
      { labels: { reason: 'no_route' }, value: content.totals.noRoute },
      { labels: { reason: 'no_backend' }, value: content.totals.noBackend },
      { labels: { reason: 'rejected' }, value: content.totals.rejected },
    ]),
    collector('headroom_proxy_inflight', 'Client requests in flight.', 'gauge', () => [{ labels: {}, value: content.totals.inflight }]),
    collector('headroom_backend_requests_total', 'Requests sent to a backend (retries included).', 'counter', each((service, backend, b) => [{ labels: { service, backend }, value: b.stats.requests }])),
    collector('headroom_backend_responses_total', 'Backend responses by status class.', 'counter', each((service, backend, b) => STATUS_CLASSES.map((c) => ({ labels: { service, backend, class: c }, value: b.stats.responses[c] })))),
    collector('headroom_backend_errors_total', 'Failed backend requests by cause.', 'counter', each((service, backend, b) => ERROR_CAUSES.map((cause) => ({ labels: { service, backend, cause }, value: b.stats.errors[cause] })))),
    collector('headroom_backend_retries_total', 'Requests re-sent elsewhere after failing on this backend.', 'counter', each((service, backend, b) => [{ labels: { service, backend }, value: b.stats.retries }])),
    collector('headroom_backend_ejections_total', 'Passive outlier ejections.', 'counter', each((service, backend, b) => [{ labels: { service, backend }, value: b.stats.ejections }])),
    collector('headroom_backend_inflight', 'Requests in flight to a backend.', 'gauge', each((service, backend, b) => [{ labels: { service, backend }, value: b.stats.inflight }])),
    collector('headroom_backend_open_connections', 'Open connections to a backend (pool sockets and upgrade tunnels).', 'gauge', each((service, backend, b) => [{ labels: { service, backend }, value: b.openConnections() }])),
    collector('headroom_backend_bytes_sent_total', 'Request body bytes sent to a backend.', 'counter', each((service, backend, b) => [{ labels: { service, backend }, value: b.stats.bytesOut }])),
    collector('headroom_backend_bytes_received_total', 'Response body bytes received from a backend.', 'counter', each((service, backend, b) => [{ labels: { service, backend }, value: b.stats.bytesIn }])),
    collector('headroom_backend_up', 'Backend routable state: 1 healthy, 0 unhealthy or unknown.', 'gauge', each((service, backend, b) => [{ labels: { service, backend }, value: b.health === 'healthy' ? 1 : 0 }])),
    collector('headroom_backend_ejected', '1 while a backend is ejected.', 'gauge', each((service, backend, b) => [{ labels: { service, backend }, value: Date.now() < b.ejectedUntil ? 1 : 0 }])),
    collector('headroom_backend_draining', '1 while a removed backend drains.', 'gauge', () => [...content.allBackends()].filter((x) => x.draining).map(({ service, backend }) => ({ labels: { service, backend: backend.config.name }, value: 1 }))),
    collector('headroom_backend_latency_seconds', 'Backend request latency to the last byte.', 'histogram', each((service, backend, b) => {
      const h = b.stats.latency;
      const out: Value[] = [];
      let cum = 0;
      LATENCY_BOUNDS_MS.forEach((bound, i) => {
        cum += h.counts[i];
        out.push({ metricName: 'headroom_backend_latency_seconds_bucket', labels: { service, backend, le: bound / 1000 }, value: cum });
      });
      out.push({ metricName: 'headroom_backend_latency_seconds_bucket', labels: { service, backend, le: '+Inf' }, value: h.count });
      out.push({ metricName: 'headroom_backend_latency_seconds_sum', labels: { service, backend }, value: h.sumMs / 1000 });
      out.push({ metricName: 'headroom_backend_latency_seconds_count', labels: { service, backend }, value: h.count });
      return out;
    })),
  ];
  for (const m of metrics) registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
  return registry;
}
