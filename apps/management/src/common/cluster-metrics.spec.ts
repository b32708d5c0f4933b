import { EventEmitter } from 'node:events';
import { InstanceMetricsClient, PrimaryChannel } from './cluster-metrics';
import { AggregatorRegistry } from 'prom-client';
import { PrometheusMetrics } from '../telemetry/prometheus';

/** A primary at the other end of the channel: keeps what it was sent, answers when told to. */
function fakePrimary(sendError?: Error) {
  const events = new EventEmitter();
  const sent: Array<{ type: string; id: number }> = [];
  const channel: PrimaryChannel = {
    send: (message, done) => {
      sent.push(message);
      queueMicrotask(() => done(sendError ?? null));
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
  };
  const answer = (message: unknown) => events.emit('message', message);
  return { channel, sent, answer, listeners: () => events.listenerCount('message') };
}

describe(InstanceMetricsClient.name, () => {
  afterEach(() => jest.useRealTimers());

  it('matches each answer to its request by id, whatever the order', async () => {
    const primary = fakePrimary();
    const sut = new InstanceMetricsClient(primary.channel, 1000);
    const first = sut.fetch();
    const second = sut.fetch();
    const [a, b] = primary.sent;
    expect(a.id).not.toBe(b.id);
    primary.answer({ type: 'headroom:instance-metrics-response', id: b.id, text: 'second' });
    primary.answer({ type: 'headroom:instance-metrics-response', id: a.id, text: 'first' });
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    sut.close();
  });

  it('ignores messages that are not its answers', async () => {
    const primary = fakePrimary();
    const sut = new InstanceMetricsClient(primary.channel, 1000);
    const pending = sut.fetch();
    const { id } = primary.sent[0];
    primary.answer(null);
    primary.answer('text');
    primary.answer({ type: 'prom-client:getMetricsReq', requestId: id });
    primary.answer({ type: 'headroom:instance-metrics-response', id: id + 100, text: 'not ours' });
    primary.answer({ type: 'headroom:instance-metrics-response', id, text: 'ours' });
    await expect(pending).resolves.toBe('ours');
    sut.close();
  });

  it('fails with the error the primary reports', async () => {
    const primary = fakePrimary();
    const sut = new InstanceMetricsClient(primary.channel, 1000);
    const pending = sut.fetch();
    primary.answer({ type: 'headroom:instance-metrics-response', id: primary.sent[0].id, error: 'Operation timed out.' });
    await expect(pending).rejects.toThrow('Operation timed out.');
    sut.close();
  });

  it('gives up after its timeout, and drops an answer that comes later', async () => {
    jest.useFakeTimers();
    const primary = fakePrimary();
    const sut = new InstanceMetricsClient(primary.channel, 7000);
    const pending = sut.fetch();
    const failed = expect(pending).rejects.toThrow('the primary did not answer within 7000 ms');
    jest.advanceTimersByTime(7000);
    await failed;
    primary.answer({ type: 'headroom:instance-metrics-response', id: primary.sent[0].id, text: 'late' });
    sut.close();
  });

  it('fails at once when the message cannot be sent (the channel is closed)', async () => {
    const primary = fakePrimary(new Error('Channel closed'));
    const sut = new InstanceMetricsClient(primary.channel, 1000);
    await expect(sut.fetch()).rejects.toThrow('Channel closed');
    sut.close();
  });

  it('close() fails what is pending and stops listening', async () => {
    const primary = fakePrimary();
    const sut = new InstanceMetricsClient(primary.channel, 1000);
    const pending = sut.fetch();
    expect(primary.listeners()).toBe(1);
    sut.close();
    await expect(pending).rejects.toThrow('shutting down');
    expect(primary.listeners()).toBe(0);
  });
});

describe('instance metrics, aggregated as the primary does', () => {
  it('sums counters across workers and takes the roll-up lag from the newest run', async () => {
    const [a, b] = [new PrometheusMetrics(), new PrometheusMetrics()];
    a.reports.inc({ outcome: 'accepted' }, 5);
    b.reports.inc({ outcome: 'accepted' }, 7);
    // a ran the roll-up job last (lag 3 s); b's last run was long ago (lag 42 s).
    a.rolledUpTo = Date.now() - 3000;
    b.rolledUpTo = Date.now() - 42_000;
    const text = await AggregatorRegistry.aggregate([await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()]).metrics();
    expect(text).toContain('headroom_telemetry_reports_total{outcome="accepted"} 12');
    expect(text).toMatch(/^headroom_telemetry_rollup_lag_seconds 3(\.\d+)?$/m);
  });
});
