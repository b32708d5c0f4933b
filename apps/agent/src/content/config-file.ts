/**
 * Reads the configuration document from STATE_DIR/config.json. Stands in for the config module
 * (issue 4), which will deliver the same document from the management API and write this file.
 */
import { readFile } from 'node:fs/promises';
import { ConfigDocumentDto } from '../../../../libs/protocol/src/config-document';
import { validateConfigDocument } from '../../../../libs/protocol/src/validate';

export const CONFIG_FILE = 'config.json';

export type ConfigFileResult = { ok: true; doc: ConfigDocumentDto } | { ok: false; missing: boolean; errors: string[] };

export async function readConfigFile(path: string): Promise<ConfigFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, missing, errors: [missing ? `${path} does not exist` : `${path}: ${(err as Error).message}`] };
  }
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (err) {
    return { ok: false, missing: false, errors: [`${path} is not valid JSON: ${(err as Error).message}`] };
  }
  const v = validateConfigDocument(plain);
  return v.ok ? { ok: true, doc: v.doc } : { ok: false, missing: false, errors: v.errors };
}
