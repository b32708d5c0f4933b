import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigDocumentDto } from './config-document';

/** Validates a plain configuration document (from JSON or the XML codec); returns it or the list of problems. */
export function validateConfigDocument(plain: unknown): { ok: true; doc: ConfigDocumentDto } | { ok: false; errors: string[] } {
  if (!plain || typeof plain !== 'object' || Array.isArray(plain)) return { ok: false, errors: ['document must be an object'] };
  const doc = plainToInstance(ConfigDocumentDto, plain);
  const errs = validateSync(doc, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errs.length) {
    const out: string[] = [];
    const walk = (list: typeof errs, parent: string) => {
      for (const e of list) {
        const path = parent ? `${parent}.${e.property}` : e.property;
        if (e.constraints) out.push(`${path}: ${Object.values(e.constraints).join('; ')}`);
        if (e.children?.length) walk(e.children, path);
      }
    };
    walk(errs, '');
    return { ok: false, errors: out };
  }
  const ids = new Set<string>();
  for (const s of doc.services) {
    if (ids.has(s.id)) return { ok: false, errors: [`services: duplicate service id ${s.id}`] };
    ids.add(s.id);
    if (!s.match.host && !s.match.pathPrefix) return { ok: false, errors: [`services.${s.name}.match: needs a host or a pathPrefix`] };
  }
  return { ok: true, doc };
}
