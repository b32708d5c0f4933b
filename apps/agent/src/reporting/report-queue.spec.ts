import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../../../../libs/protocol/src/report-sample';
import { ReportQueue } from './report-queue';

// The queue on a real temporary directory: what an agent restarted mid-outage finds on disk.
describe('report queue (STATE_DIR/reports)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hr-queue-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const push = async (q: ReportQueue, n: number) => {
    for (let i = 0; i < n; i++) await q.push(sampleReport('6f1c0b8e-3c1a-4d2e-9b7a-1e2f3a4b5c6d', await q.takeSeq(), new Date(), []));
  };

  it('keeps at most maxReports, dropping the oldest, and counts what it dropped', async () => {
    const q = new ReportQueue(dir, 5);
    await q.open();
    await push(q, 8);
    expect(q.length).toBe(5);
    expect(q.dropped).toBe(3);
    expect((await q.peek(100, 1e9)).map((r) => r.seq)).toEqual([3, 4, 5, 6, 7]);
  });

  it('survives a restart: same order, and a seq is never handed out twice', async () => {
    const q = new ReportQueue(dir, 100);
    await q.open();
    await push(q, 4);
    await q.remove([0, 1]);
    const again = new ReportQueue(dir, 100);
    await again.open();
    expect((await again.peek(100, 1e9)).map((r) => r.seq)).toEqual([2, 3]);
    expect(await again.takeSeq()).toBe(4);
    // Even when every report was sent and removed, the persisted counter carries on.
    await again.remove([2, 3]);
    const third = new ReportQueue(dir, 100);
    await third.open();
    expect(await third.takeSeq()).toBe(5);
  });

  it('skips a report file deleted behind its back, and one that is not JSON, without stalling', async () => {
    const q = new ReportQueue(dir, 100);
    await q.open();
    await push(q, 3);
    await unlink(join(dir, 'reports', `${String(0).padStart(16, '0')}.json`));
    await writeFile(join(dir, 'reports', `${String(1).padStart(16, '0')}.json`), '{not json');
    expect((await q.peek(100, 1e9)).map((r) => r.seq)).toEqual([2]);
    expect(q.length).toBe(1);
  });

  it('hands out a batch of at most maxBytes, but always at least one report', async () => {
    const q = new ReportQueue(dir, 100);
    await q.open();
    await push(q, 10);
    const one = JSON.stringify(sampleReport('6f1c0b8e-3c1a-4d2e-9b7a-1e2f3a4b5c6d', 0, new Date(), [])).length;
    expect((await q.peek(100, one * 3 + 10)).length).toBe(3);
    expect((await q.peek(100, 1)).length).toBe(1);
    expect((await q.peek(4, 1e9)).length).toBe(4);
  });
});
