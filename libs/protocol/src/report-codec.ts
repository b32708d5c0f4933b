import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CodecError, DecodeLimits, DEFAULT_LIMITS } from '../../codec/src/errors';
import { assertSafePlain } from '../../codec/src/safe-plain';
import { decodeXml, encodeXml } from '../../codec/src/xml';
import { REPORT_BATCH_XML, ReportBatchDto } from './report';
import { fastValidReportBatch } from './report-schema';

/** Limits for report bodies: a batch is 4 levels deep at most (reportBatch/report/backend/load/value). */
export const REPORT_LIMITS: DecodeLimits = { ...DEFAULT_LIMITS, maxDepth: 8, maxElements: 50_000 };

/** Encodes a report batch as the XML wire form. */
export function encodeReportBatchXml(batch: ReportBatchDto): string {
  return encodeXml(batch as unknown as Record<string, unknown>, REPORT_BATCH_XML);
}

/** Decodes the XML wire form into the plain shape ReportBatchDto validates (not yet validated). */
export function decodeReportBatchXml(xml: string, limits: DecodeLimits = REPORT_LIMITS): Record<string, unknown> {
  return decodeXml(xml, REPORT_BATCH_XML, limits);
}

/** One field that failed validation. */
export interface ReportFieldError {
  field: string;
  messages: string[];
}

/**
 * Validates a decoded (XML) or parsed (JSON) plain batch with the one DTO both encodings share.
 * Refuses forbidden keys and excessive nesting before class-transformer touches the object.
 */
export function validateReportBatch(plain: unknown, limits: DecodeLimits = REPORT_LIMITS): { ok: true; batch: ReportBatchDto } | { ok: false; errors: ReportFieldError[] } {
  assertSafePlain(plain, limits);
  if (!plain || typeof plain !== 'object' || Array.isArray(plain)) throw new CodecError('malformed', 'report batch must be an object');
  // The compiled schema clears valid batches in µs; anything it does not clear gets class-validator's verdict and errors.
  if (fastValidReportBatch(plain)) return { ok: true, batch: plain };
  const batch = plainToInstance(ReportBatchDto, plain);
  const errs = validateSync(batch, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true });
  if (!errs.length) return { ok: true, batch };
  const out: ReportFieldError[] = [];
  const walk = (list: typeof errs, parent: string) => {
    for (const e of list) {
      const field = parent ? `${parent}.${e.property}` : e.property;
      if (e.constraints) out.push({ field, messages: Object.values(e.constraints) });
      if (e.children?.length) walk(e.children, field);
      if (out.length >= 20) return;
    }
  };
  walk(errs, '');
  return { ok: false, errors: out };
}
