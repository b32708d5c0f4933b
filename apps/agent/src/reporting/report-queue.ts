import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportDto } from '../../../../libs/protocol/src/report';
import { readJsonFile, writeFileAtomic } from '../state-files';

const FILE = /^(\d{16})\.json$/;

/**
 * Bounded on-disk queue of reports in STATE_DIR/reports, one file per report named by its seq,
 * so order survives restarts and a crash loses at most the report being written. When full, the
 * oldest reports are dropped (the newest say the most about the present).
 */
export class ReportQueue {
  private readonly dir: string;
  private readonly seqFile: string;
  private seqs: number[] = [];
  private nextSeq = 0;
  dropped = 0;

  constructor(stateDir: string, private readonly maxReports: number) {
    this.dir = join(stateDir, 'reports');
    this.seqFile = join(stateDir, 'report-seq.json');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.seqs = (await readdir(this.dir)).flatMap((f) => { const m = FILE.exec(f); return m ? [Number(m[1])] : []; }).sort((a, b) => a - b);
    const saved = (await readJsonFile<{ next: number }>(this.seqFile))?.next ?? 0;
    this.nextSeq = Math.max(saved, (this.seqs.at(-1) ?? -1) + 1);
  }

  get length(): number {
    return this.seqs.length;
  }

  /** The seq the next report gets; persisted before the report is, so a seq is never reused. */
  async takeSeq(): Promise<number> {
    const seq = this.nextSeq++;
    await writeFileAtomic(this.seqFile, JSON.stringify({ next: this.nextSeq }));
    return seq;
  }

  async push(report: ReportDto): Promise<void> {
    await writeFileAtomic(join(this.dir, `${String(report.seq).padStart(16, '0')}.json`), JSON.stringify(report));
    this.seqs.push(report.seq);
    while (this.seqs.length > this.maxReports) {
      const old = this.seqs.shift()!;
      this.dropped++;
      await unlink(this.path(old)).catch(() => undefined);
    }
  }

  /** The oldest reports, in order, up to `max` and about `maxBytes` of JSON. */
  async peek(max: number, maxBytes: number): Promise<ReportDto[]> {
    const out: ReportDto[] = [];
    let bytes = 0;
    for (const seq of this.seqs.slice(0, max)) {
      const text = await readFile(this.path(seq), 'utf8').catch(() => null);
      if (text === null) {
        // Deleted behind our back: forget it, or it would sit at the head of the queue forever.
        await this.remove([seq]);
        continue;
      }
      if (out.length && bytes + text.length > maxBytes) break;
      bytes += text.length;
      try {
        out.push(JSON.parse(text) as ReportDto);
      } catch {
        await this.remove([seq]);
      }
    }
    return out;
  }

  async remove(seqs: number[]): Promise<void> {
    const gone = new Set(seqs);
    this.seqs = this.seqs.filter((s) => !gone.has(s));
    await Promise.all(seqs.map((s) => unlink(this.path(s)).catch(() => undefined)));
  }

  private path(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}.json`);
  }
}
