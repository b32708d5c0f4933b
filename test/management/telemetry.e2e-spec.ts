import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import request from 'supertest';
import { Histogram } from '../../libs/codec/src/histogram';
import { encodeReportBatchXml } from '../../libs/protocol/src/report-codec';
import { sampleReport, sampleTraffic } from '../../libs/protocol/src/report-sample';
import { BACKEND_STATE_REPORTS, TelemetryService } from '../../apps/management/src/telemetry/telemetry.service';
import { createTestApp, TestApp } from '../support/app';

describe('telemetry (e2e)', () => {
  let t: TestApp;
  let db: Client;
  let agent: { id: string; credential: string };
  let other: { id: string; credential: string };
  const serviceId = randomUUID();
  const serverA = randomUUID();
  const serverB = randomUUID();

  const enrol = async (name: string) => {
    const res = await request(t.url).post('/v1/agents/enrol').send({ token: await t.enrolmentToken(), name });
    expect(res.status).toBe(201);
    return res.body as { id: string; credential: string };
  };
  const post = (id: string, cred: string, body: string | Buffer, type = 'application/xml', headers: Record<string, string> = {}) =>
    request(t.url).post(`/v1/agents/${id}/reports`).set({ Authorization: `Bearer ${cred}`, 'Content-Type': type, ...headers }).send(body);
  const stored = async () => Number((await db.query('SELECT count(*) AS n FROM telemetry_report')).rows[0].n);

  beforeAll(async () => {
    // Two write transactions in flight (the default is one): the group-commit tests race them.
    t = await createTestApp('telemetry', { TELEMETRY_INGEST_WRITERS: '2' });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    agent = await enrol('edge-telemetry');
    other = await enrol('edge-other');
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  describe('hostile input', () => {
    const X = 'application/xml';
    const J = 'application/json';
    // Every row has all four columns: a shorter row would make jest pass `done` as the last one.
    const cases: Array<[string, () => string | Buffer, number, string]> = [
      ['billion laughs', () => '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') + ']><reportBatch>&lol9;</reportBatch>', 400, X],
      ['one entity referenced 10,000 times', () => '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><reportBatch>' + '&a;'.repeat(10_000) + '</reportBatch>', 400, X],
      ['an external entity', () => '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><reportBatch><report seq="&xxe;"/></reportBatch>', 400, X],
      ['10,000-deep nesting', () => '<reportBatch>' + '<report>'.repeat(10_000) + '</report>'.repeat(10_000) + '</reportBatch>', 400, X],
      ['__proto__ tags', () => '<reportBatch><__proto__><polluted>1</polluted></__proto__></reportBatch>', 400, X],
      ['constructor attributes', () => '<reportBatch><report constructor="x" seq="1"/></reportBatch>', 400, X],
      ['__proto__ JSON keys', () => '{"reports":[{"__proto__":{"polluted":true}}]}', 400, J],
      ['10^5-element arrays', () => '<reportBatch>' + '<report/>'.repeat(100_000) + '</reportBatch>', 400, X],
      ['10^6 numeric character references', () => '<reportBatch><report agentId="' + '&#65;'.repeat(1_000_000) + '"/></reportBatch>', 413, X],
      ['an object where a scalar belongs', () => JSON.stringify({ reports: [{ ...sampleReport(randomUUID(), 1, new Date(), []), seq: { $gt: 0 } }] }), 400, J],
      ['malformed XML', () => '<reportBatch><report>', 400, X],
      ['plain text', () => 'hello', 415, 'text/plain'],
    ];

    it.each(cases)('refuses %s with a 4xx problem quickly, storing nothing', async (_name, body, status, type) => {
      const payload = body();
      let best = Infinity;
      let res!: request.Response;
      // The best of five: another suite sharing the CPU can delay any single answer.
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        res = await post(agent.id, agent.credential, payload, type);
        best = Math.min(best, performance.now() - started);
      }
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+(json|xml)/);
      // 50 ms for small hostile bodies; a near-1 MB body also pays for its own transfer and scan.
      expect(best).toBeLessThan(payload.length > 500_000 ? 150 : 50);
      expect(await stored()).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('names the field of an invalid report', async () => {
      const r = sampleReport(agent.id, 1, new Date(), [{ serviceId, serverId: serverA }]);
      const res = await post(agent.id, agent.credential, JSON.stringify({ reports: [{ ...r, backends: [{ ...r.backends[0], healthy: 'yes', extra: 1 }] }] }), 'application/json');
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['reports.0.backends.0.healthy', 'reports.0.backends.0.extra']));
    });

    it('answers a 50 MB body with 413 before reading it, and a gzip bomb by its inflated size', async () => {
      const port = new URL(t.url).port;
      const started = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/v1/agents/${agent.id}/reports`, headers: { 'content-type': 'application/xml', 'content-length': String(50 * 1024 * 1024), authorization: `Bearer ${agent.credential}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
        req.write(Buffer.alloc(64 * 1024, 0x20));
      });
      expect(status).toBe(413);
      expect(performance.now() - started).toBeLessThan(200);
      const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
      const res = await post(agent.id, agent.credential, bomb, 'application/xml', { 'Content-Encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(await stored()).toBe(0);
    });

    it('keeps the heap bounded across a barrage of hostile bodies', async () => {
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 20; i++) for (const [, body, , type] of cases.slice(0, 5)) await post(agent.id, agent.credential, body(), type);
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
      expect(await stored()).toBe(0);
    });

    it('refuses another agent\'s credential and reports naming another agent', async () => {
      const xml = encodeReportBatchXml({ reports: [sampleReport(agent.id, 1, new Date(), [])] });
      expect((await post(agent.id, other.credential, xml)).status).toBe(403);
      expect((await post(other.id, other.credential, xml)).status).toBe(400);
      expect(await stored()).toBe(0);
    });
  });

  describe('ingest and query', () => {
    // Two whole minutes in the past, so both reports land in the same roll-up minute.
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    const latA1 = [1000, 2000, 3000, 50_000];
    const latA2 = [1500, 2500, 900_000];
    const report1 = sampleReport('', 0, new Date(minute.getTime() + 10_000), [
      { serviceId, serverId: serverA, ...sampleTraffic(4, latA1, { inFlight: 3, responses5xx: 1, errors: [{ cause: 'timeout', count: 2 }] }) },
      { serviceId, serverId: serverB, ...sampleTraffic(7, [100]) },
    ]);
    const report2 = sampleReport('', 1, new Date(minute.getTime() + 20_000), [
      { serviceId, serverId: serverA, ...sampleTraffic(3, latA2, { inFlight: 9 }), draining: true, load: { format: 'json', values: [{ name: 'load', value: 0.75 }] } },
    ]);

    it('stores an XML batch once, a replay (gzipped) as duplicates, and a JSON batch', async () => {
      report1.agentId = report2.agentId = agent.id;
      const xml = encodeReportBatchXml({ reports: [report1] });
      const first = await post(agent.id, agent.credential, xml);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ accepted: 1, duplicates: 0, samples: 3 });
      const replay = await post(agent.id, agent.credential, gzipSync(xml), 'application/xml', { 'Content-Encoding': 'gzip', Accept: 'application/xml' });
      expect(replay.status).toBe(200);
      expect(replay.headers['content-type']).toMatch(/application\/xml/);
      expect(replay.text).toContain('<reportAck accepted="0" duplicates="1" samples="0"');
      const json = await post(agent.id, agent.credential, JSON.stringify({ reports: [report1, report2] }), 'application/json');
      expect(json.body).toEqual({ accepted: 1, duplicates: 1, samples: 2 });
      expect(await stored()).toBe(2);
    });

    it('serves per-minute roll-ups with summed counters, maxima and merged percentiles', async () => {
      const from = minute.toISOString();
      const to = new Date(minute.getTime() + 60_000).toISOString();
      const metrics = 'requests,in_flight_max,in_flight_avg,errors,responses_5xx,latency_p99_ms,latency_p50_ms,latency_max_ms,draining_ratio,load_max';
      const res = await request(t.url).get('/v1/metrics').query({ metric: metrics, server: serverA, from, to, step: 60 }).set({ Authorization: `Bearer ${t.readKey}` });
      expect(res.status).toBe(200);
      expect(res.body.source).toBe('rollup');
      const v = (m: string) => res.body.series.find((s: { metric: string }) => s.metric === m).points.map((p: { v: number }) => p.v);
      const merged = new Histogram();
      for (const x of [...latA1, ...latA2]) merged.record(x);
      expect(v('requests')).toEqual([7]);
      expect(v('in_flight_max')).toEqual([9]);
      expect(v('in_flight_avg')).toEqual([6]);
      expect(v('errors')).toEqual([2]);
      expect(v('responses_5xx')).toEqual([1]);
      expect(v('latency_p99_ms')).toEqual([merged.percentile(99) / 1000]);
      expect(v('latency_p50_ms')).toEqual([merged.percentile(50) / 1000]);
      expect(v('latency_max_ms')).toEqual([900]);
      expect(v('draining_ratio')).toEqual([0.5]);
      expect(v('load_max')).toEqual([0.75]);
      expect(res.body.series.find((s: { metric: string }) => s.metric === 'requests').serverId).toBe(serverA);
      // The roll-up job writes the same arithmetic into telemetry_rollup, and the query agrees after it.
      await t.app.get(TelemetryService).rollUp();
      const [row] = (await db.query('SELECT * FROM telemetry_rollup WHERE minute = $1 AND server_id = $2', [minute.toISOString(), serverA])).rows;
      expect(row).toMatchObject({ samples: 2, requests: '7', in_flight_sum: '12', in_flight_max: '9', errors: '2', responses5xx: '1', draining_samples: 1, load_max: 0.75 });
      expect(Histogram.fromCounts(row.latency_buckets, { count: Number(row.latency_count), sum: Number(row.latency_sum_us), min: Number(row.latency_min_us), max: Number(row.latency_max_us) }).percentile(99)).toBe(merged.percentile(99));
      const again = await request(t.url).get('/v1/metrics').query({ metric: metrics, server: serverA, from, to, step: 60 }).set({ Authorization: `Bearer ${t.readKey}` });
      expect(again.body).toEqual(res.body);
      // Once rolled up, the query reads the roll-up row (an edit to it shows), not the raw samples.
      await db.query('UPDATE telemetry_rollup SET requests = requests + 1000 WHERE minute = $1 AND server_id = $2', [minute.toISOString(), serverA]);
      const edited = await request(t.url).get('/v1/metrics').query({ metric: 'requests', server: serverA, from, to, step: 60 }).set({ Authorization: `Bearer ${t.readKey}` });
      await db.query('UPDATE telemetry_rollup SET requests = requests - 1000 WHERE minute = $1 AND server_id = $2', [minute.toISOString(), serverA]);
      expect(edited.body.series[0].points).toEqual([{ t: from, v: 1007 }]);
    });

    it('answers a range across the roll-up frontier: rolled-up minutes and the open minute together', async () => {
      const serverC = randomUUID();
      const serviceC = randomUUID();
      const past = sampleReport(agent.id, 50, new Date(minute.getTime() + 40_000), [{ serviceId: serviceC, serverId: serverC, ...sampleTraffic(7, [400]) }]);
      expect((await post(agent.id, agent.credential, JSON.stringify({ reports: [past] }), 'application/json')).body.accepted).toBe(1);
      await t.app.get(TelemetryService).rollUp();
      const now = new Date();
      const fresh = sampleReport(agent.id, 51, now, [{ serviceId: serviceC, serverId: serverC, ...sampleTraffic(2, [400]) }]);
      expect((await post(agent.id, agent.credential, JSON.stringify({ reports: [fresh] }), 'application/json')).body.accepted).toBe(1);
      const res = await request(t.url).get('/v1/metrics')
        .query({ metric: 'requests', server: serverC, from: minute.toISOString(), to: new Date(now.getTime() + 60_000).toISOString(), step: 60 })
        .set({ Authorization: `Bearer ${t.readKey}` });
      const points = res.body.series[0].points as Array<{ t: string; v: number }>;
      expect(points[0]).toEqual({ t: minute.toISOString(), v: 7 });
      expect(points[points.length - 1]).toEqual({ t: new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString(), v: 2 });
      const bad = await request(t.url).get('/v1/metrics').query({ metric: 'requests', step: 90 }).set({ Authorization: `Bearer ${t.readKey}` });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe('step');
    });

    it('serves raw samples below a 60 s step, per service, and as XML', async () => {
      const from = minute.toISOString();
      const to = new Date(minute.getTime() + 60_000).toISOString();
      const raw = await request(t.url).get('/v1/metrics').query({ metric: 'requests', service: serviceId, groupBy: 'service', from, to, step: 10 }).set({ Authorization: `Bearer ${t.readKey}` });
      expect(raw.body.source).toBe('raw');
      expect(raw.body.series).toEqual([{ metric: 'requests', serviceId, points: [{ t: new Date(minute.getTime() + 10_000).toISOString(), v: 11 }, { t: new Date(minute.getTime() + 20_000).toISOString(), v: 3 }] }]);
      const xml = await request(t.url).get('/v1/metrics').query({ metric: 'cpu_percent_max', scope: 'agent', groupBy: 'agent', from, to }).set({ Authorization: `Bearer ${t.readKey}`, Accept: 'application/xml' });
      expect(xml.status).toBe(200);
      expect(xml.text).toContain(`<series metric="cpu_percent_max" agentId="${agent.id}"><point t="${from}" v="12.5"/></series>`);
      const bad = await request(t.url).get('/v1/metrics').query({ metric: 'nope' }).set({ Authorization: `Bearer ${t.readKey}` });
      expect(bad.status).toBe(400);
    });

    it('reports the latest backend health and drain state per agent', async () => {
      const res = await request(t.url).get(`/v1/agents/${agent.id}/backend-states`).set({ Authorization: `Bearer ${t.readKey}` });
      expect(res.status).toBe(200);
      const byServer = Object.fromEntries(res.body.map((s: { serverId: string }) => [s.serverId, s]));
      expect(byServer[serverA]).toMatchObject({ healthy: true, draining: true, seq: 1, serviceId });
      expect(byServer[serverB]).toMatchObject({ healthy: true, draining: false, seq: 0 });
      // An older report arriving late does not overwrite newer state.
      const late = sampleReport(agent.id, 0, new Date(), [{ serviceId, serverId: serverA, draining: false }]);
      late.seq = 5;
      late.intervalEnd = late.intervalStart = minute.toISOString();
      await post(agent.id, agent.credential, JSON.stringify({ reports: [late] }), 'application/json');
      const states = await t.app.get(TelemetryService).latestBackendStates(agent.id);
      expect(states.find((s) => s.serverId === serverA)).toMatchObject({ draining: false, seq: 5 });
      // A backend missing from the agent's last BACKEND_STATE_REPORTS reports is no longer one of its backends.
      const edge = await enrol('edge-states');
      const report = (seq: number, backends: Array<{ serviceId: string; serverId: string; healthy?: boolean }>) => sampleReport(edge.id, seq, new Date(), backends);
      expect((await post(edge.id, edge.credential, JSON.stringify({ reports: [report(0, [{ serviceId, serverId: serverA }, { serviceId, serverId: serverB }])] }), 'application/json')).status).toBe(200);
      for (let from = 1; from <= BACKEND_STATE_REPORTS; from += 60) {
        const batch = Array.from({ length: 60 }, (_, i) => report(from + i, [{ serviceId, serverId: serverB, healthy: false }]));
        expect((await post(edge.id, edge.credential, JSON.stringify({ reports: batch }), 'application/json')).status).toBe(200);
      }
      const after = await request(t.url).get(`/v1/agents/${edge.id}/backend-states`).set({ Authorization: `Bearer ${t.readKey}` });
      expect(after.body).toEqual([expect.objectContaining({ serverId: serverB, healthy: false, seq: BACKEND_STATE_REPORTS })]);
    });

    it('enqueues one analysis job per touched service per window', async () => {
      const counts = await request(t.url).get('/v1/queues').set({ Authorization: `Bearer ${t.readKey}` });
      const analysis = counts.body.find((q: { name: string }) => q.name === 'analysis');
      expect(analysis.waiting + analysis.active + analysis.delayed + analysis.completed).toBeGreaterThanOrEqual(1);
    });

    it('counts a late report for a rolled-up minute at once, and the next roll-up includes it', async () => {
      const svc = t.app.get(TelemetryService);
      const q = async () => {
        const res = await request(t.url).get('/v1/metrics').query({ metric: 'requests', server: serverA, from: minute.toISOString(), to: new Date(minute.getTime() + 60_000).toISOString(), step: 60 }).set({ Authorization: `Bearer ${t.readKey}` });
        return res.body.series[0].points[0].v as number;
      };
      await svc.rollUp();
      const before = await q();
      const late = sampleReport(agent.id, 0, new Date(minute.getTime() + 30_000), [{ serviceId, serverId: serverA, ...sampleTraffic(5, [700]) }]);
      late.seq = 6;
      expect((await post(agent.id, agent.credential, JSON.stringify({ reports: [late] }), 'application/json')).body.accepted).toBe(1);
      expect(await q()).toBe(before + 5);
      await svc.rollUp();
      const [row] = (await db.query('SELECT requests FROM telemetry_rollup WHERE minute = $1 AND server_id = $2', [minute.toISOString(), serverA])).rows;
      expect(Number(row.requests)).toBe(before + 5);
      expect(await q()).toBe(before + 5);
    });

    it.each([
      ['22.5 h old: merged at ingest, then recomputed by the job', 22.5, 60],
      ['23.5 h old: merged at ingest only, the job leaves it', 23.5, 61],
    ])('counts a report %s, once', async (_name, hours, seq) => {
      const svc = t.app.get(TelemetryService);
      const at = new Date(Date.now() - hours * 3_600_000);
      const old = sampleReport(agent.id, 0, at, [{ serviceId, serverId: serverB, ...sampleTraffic(9, [800]) }]);
      old.seq = seq;
      expect((await post(agent.id, agent.credential, JSON.stringify({ reports: [old] }), 'application/json')).body.accepted).toBe(1);
      const m = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
      const q = async () => {
        const res = await request(t.url).get('/v1/metrics').query({ metric: 'requests', server: serverB, from: m.toISOString(), to: new Date(m.getTime() + 60_000).toISOString(), step: 60 }).set({ Authorization: `Bearer ${t.readKey}` });
        return res.body.series[0]?.points as Array<{ v: number }> | undefined;
      };
      expect(await q()).toEqual([{ t: m.toISOString(), v: 9 }]);
      await svc.rollUp();
      expect(await q()).toEqual([{ t: m.toISOString(), v: 9 }]);
      const rows = (await db.query('SELECT requests FROM telemetry_rollup WHERE minute = $1 AND server_id = $2', [m.toISOString(), serverB])).rows;
      expect(rows.map((r) => Number(r.requests))).toEqual([9]);
    });

    it.each([
      ['an interval longer than a day', (r: ReturnType<typeof sampleReport>) => (r.intervalStart = new Date(Date.parse(r.intervalEnd) - 30 * 86_400_000).toISOString()), 'reports.intervalEnd'],
      ['an interval that ends before it starts', (r: ReturnType<typeof sampleReport>) => (r.intervalStart = new Date(Date.parse(r.intervalEnd) + 1000).toISOString()), 'reports.intervalEnd'],
      ['a histogram bucket out of range', (r: ReturnType<typeof sampleReport>) => (r.backends[0].latency.buckets = '9999:1'), 'reports.backends.latency.buckets'],
      ['a bucket out of range in an empty histogram', (r: ReturnType<typeof sampleReport>) => (r.agent.latency = { count: 0, sum: 0, min: 0, max: 0, buckets: '9999:1' }), 'reports.agent.latency.buckets'],
      ['bucket counts that do not add up to count', (r: ReturnType<typeof sampleReport>) => (r.backends[0].latency.count += 1), 'reports.backends.latency.buckets'],
      ['a backend listed twice', (r: ReturnType<typeof sampleReport>) => r.backends.push({ ...r.backends[0] }), 'reports.backends.serverId'],
      ['a backend listed twice, in two spellings', (r: ReturnType<typeof sampleReport>) => r.backends.push({ ...r.backends[0], serverId: r.backends[0].serverId.toUpperCase() }), 'reports.backends.serverId'],
      ['a histogram whose max lies below its buckets (left out, so 0)', (r: ReturnType<typeof sampleReport>) => (r.backends[0].latency.max = 0), 'reports.backends.latency.buckets'],
    ])('refuses a report the store cannot hold: %s, with a 400 naming the field', async (_name, spoil, field) => {
      const before = await stored();
      const r = sampleReport(agent.id, 70, new Date(), [{ serviceId, serverId: serverB, ...sampleTraffic(1, [800]) }]);
      spoil(r);
      const res = await post(agent.id, agent.credential, JSON.stringify({ reports: [r] }), 'application/json');
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await stored()).toBe(before);
    });

    it('stores a report that names one service in two spellings (uuids compare case-insensitively)', async () => {
      const other = randomUUID();
      const r = sampleReport(agent.id, 72, new Date(), [{ serviceId, serverId: serverB }, { serviceId: serviceId.toUpperCase(), serverId: other }]);
      const res = await post(agent.id, agent.credential, JSON.stringify({ reports: [r] }), 'application/json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, samples: 3 });
      const rows = (await db.query('SELECT seq FROM telemetry_agent_service WHERE agent_id = $1 AND service_id = $2', [agent.id, serviceId])).rows;
      expect(rows.map((x) => Number(x.seq))).toEqual([72]);
    });

    it('stores a report an admin posts to the agent URL in upper case', async () => {
      const r = sampleReport(agent.id, 71, new Date(), [{ serviceId, serverId: serverB, ...sampleTraffic(1, [800]) }]);
      const res = await post(agent.id.toUpperCase(), t.adminKey, JSON.stringify({ reports: [r] }), 'application/json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, samples: 2 });
      expect(Number((await db.query('SELECT count(*) AS n FROM telemetry_sample WHERE agent_id = $1 AND seq = 71', [agent.id])).rows[0].n)).toBe(2);
    });

    it('applies retention: raw samples older than the raw window go, roll-ups stay', async () => {
      const svc = t.app.get(TelemetryService);
      await svc.rollUp();
      const deleted = await svc.applyRetention(new Date(minute.getTime() + 25 * 3_600_000));
      expect(deleted.samples).toBeGreaterThanOrEqual(3);
      expect(deleted.rollups).toBe(0);
      expect(Number((await db.query('SELECT count(*) AS n FROM telemetry_rollup')).rows[0].n)).toBeGreaterThan(0);
      const all = await svc.applyRetention(new Date(minute.getTime() + 31 * 86_400_000));
      expect(all.rollups).toBeGreaterThan(0);
    });

    it('exposes Prometheus metrics to a read key only', async () => {
      expect((await request(t.url).get('/metrics')).status).toBe(401);
      const res = await request(t.url).get('/metrics').set({ Authorization: `Bearer ${t.readKey}` });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/headroom_telemetry_reports_total\{outcome="accepted"\} \d+/);
      expect(res.text).toContain('headroom_telemetry_ingest_stage_seconds_bucket');
    });
  });

  describe('group commit', () => {
    it('stores each of many concurrent reports once, replays racing their originals included', async () => {
      const agents = [agent, other, await enrol('edge-burst-1'), await enrol('edge-burst-2')];
      const at = new Date();
      const body = (a: { id: string }, seq: number) => {
        const r = sampleReport(a.id, 0, at, [{ serviceId, serverId: serverB, ...sampleTraffic(1, [500]) }]);
        r.seq = 1000 + seq;
        return encodeReportBatchXml({ reports: [r] });
      };
      const commits = async () => {
        const text = (await request(t.url).get('/metrics').set({ Authorization: `Bearer ${t.readKey}` })).text;
        const read = (name: string) => Number(new RegExp(`^headroom_telemetry_ingest_commit_reports_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
        return { transactions: read('count'), reports: read('sum') };
      };
      const before = await commits();
      // 4 agents × 25 reports, each sent twice at the same moment: 200 posts in flight together.
      const posts = agents.flatMap((a) => Array.from({ length: 25 }, (_, i) => [post(a.id, a.credential, body(a, i)), post(a.id, a.credential, body(a, i))]).flat());
      const acks = (await Promise.all(posts)).map((r) => {
        expect(r.status).toBe(200);
        return r.body as { accepted: number; duplicates: number };
      });
      expect(acks.reduce((n, a) => n + a.accepted, 0)).toBe(100);
      expect(acks.reduce((n, a) => n + a.duplicates, 0)).toBe(100);
      const rows = (await db.query('SELECT agent_id, count(*) AS n FROM telemetry_sample WHERE seq >= 1000 GROUP BY agent_id')).rows;
      expect(rows.map((r) => Number(r.n))).toEqual([50, 50, 50, 50]); // 25 reports × (the agent + 1 backend)
      // Posts that arrived while a write was in flight shared the next transaction.
      const after = await commits();
      expect(after.reports - before.reports).toBe(200);
      expect(after.transactions - before.transactions).toBeLessThan(200);
    });
  });

  // Last: it stores a report, and the tests above count what is stored.
  describe('report route', () => {
    it('serves the report route with a trailing slash and in any letter case as the router does, with its request id', async () => {
      const body = JSON.stringify({ reports: [sampleReport(agent.id, 990_001, new Date(), [])] });
      for (const path of [`/v1/agents/${agent.id}/reports/`, `/V1/Agents/${agent.id}/REPORTS`]) {
        const res = await request(t.url).post(path).set({ Authorization: `Bearer ${agent.credential}`, 'Content-Type': 'application/json', 'X-Request-Id': 'slash-1' }).send(body);
        expect(res.status).toBe(200);
        // Set by the report body reader: the route's one middleware, as pino-http does not serve it.
        expect(res.headers['x-request-id']).toBe('slash-1');
      }
    });
  });
});
