import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { ReportBatchDto } from './report';
import { batch } from './report.arbitrary';
import { sampleReport, sampleTraffic } from './report-sample';
import { fastValidReportBatch } from './report-schema';

const normal = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

/** The reference: what ingest accepted before the fast path existed. */
const classValidatorAccepts = (plain: unknown) =>
  validateSync(plainToInstance(ReportBatchDto, plain), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true }).length === 0;

/** Every [container, key] in a JSON tree, so a mutation can hit any field at any depth. */
function slots(root: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push([v as Record<string, unknown>, k]);
        walk(x);
      }
    }
  };
  walk(root);
  return out;
}

const HOSTILE: unknown[] = [
  '<delete>', '<extra key>', null, -1, -0.5, 0, 1.5, 100.5, 150, 100_001, 1_000_001, 3_600_001, 2 ** 53 + 2, 2 ** 60, Number.MAX_SAFE_INTEGER, Infinity, NaN,
  '', 'x', '12', 'a'.repeat(201), true, false, {}, [], [1], [{}],
  '6f1c0b8e-3c1a-4d2e-9b7a-1e2f3a4b5c6d', '00000000-0000-0000-0000-000000000000', 'not-a-uuid',
  '2026-11-26T10:00:00Z', '2026-11-26', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-26T10:00:00', '10:3,20:5', '1:2,,', 'a'.repeat(300),
  'json', 'prometheus', 'timeout', 'Timeout', 'load',
];
const hostile = fc.constantFrom<unknown>(...HOSTILE);

/** Deletes the slot, adds a surplus key there, or overwrites it with value. */
function mutate(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (value === '<delete>') {
    if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete container[key as string];
  } else if (value === '<extra key>') {
    const target = (container as Record<string, unknown>)[key as string];
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>).surplus = 1;
    else (container as Record<string | number, unknown>)[key] = { surplus: 1 };
  } else {
    (container as Record<string | number, unknown>)[key] = value;
  }
}

/** One small report with every optional part present (load with an error, an error count). */
const full = () =>
  normal({
    reports: [
      sampleReport('6f1c0b8e-3c1a-4d2e-9b7a-1e2f3a4b5c6d', 3, new Date('2026-11-26T10:00:00Z'), [
        { serviceId: '7a1c0b8e-3c1a-4d2e-9b7a-1e2f3a4b5c6d', serverId: '8b1c0b8e-3c1a-4d2e-9b7a-1e2f3a4b5c6d', ...sampleTraffic(5, [900], { errors: [{ cause: 'timeout', count: 1 }] }), load: { format: 'json', error: 'slow', values: [{ name: 'load', value: 0.5 }] } },
      ]),
    ],
  });

describe('report schema (ingest fast path)', () => {
  it('accepts every batch an agent measures, so valid reports never take the slow path', () => {
    fc.assert(fc.property(batch, (b) => fastValidReportBatch(normal(b))), { numRuns: 300 });
  });

  it('never accepts what class-validator refuses, whatever field is mutated and however', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(batch, fc.nat(), hostile, fc.nat(), (b, pick, value, second) => {
        const plain = normal(b);
        const all = slots(plain);
        for (const n of [pick, second].slice(0, 1 + (second % 2))) mutate(...all[n % all.length], value);
        const fast = fastValidReportBatch(plain);
        if (fast) accepted++;
        else refused++;
        if (fast && !classValidatorAccepts(plain)) throw new Error(`fast path accepted what class-validator refuses: ${JSON.stringify(plain).slice(0, 2000)}`);
      }),
      { numRuns: 1000 },
    );
    // The mutations must exercise both verdicts, or the property says nothing.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(300);
  });

  it('never accepts what class-validator refuses, for every field of a full report and every hostile value', () => {
    expect(fastValidReportBatch(full())).toBe(true);
    const count = slots(full()).length;
    for (let i = 0; i < count; i++) {
      for (const value of HOSTILE) {
        const plain = full();
        mutate(...slots(plain)[i], value);
        if (fastValidReportBatch(plain) && !classValidatorAccepts(plain)) throw new Error(`fast path accepted what class-validator refuses: ${JSON.stringify(plain)}`);
      }
    }
  });
});
