import { generate } from 'openapi-typescript-codegen';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './openapi';

/**
 * Regenerates the TypeScript client sources from an OpenAPI document. The fetch client needs
 * nothing beyond Node 20's globals, so the package builds with the root's TypeScript alone.
 */
export async function generateClient(input = join(ROOT, 'openapi', 'openapi.json'), output = join(ROOT, 'clients', 'typescript', 'src')): Promise<void> {
  rmSync(output, { recursive: true, force: true });
  await generate({
    input,
    output,
    httpClient: 'fetch',
    clientName: 'HeadroomClient',
    useOptions: true,
    useUnionTypes: true,
    exportCore: true,
    exportServices: true,
    exportModels: true,
    exportSchemas: false,
  });
}

if (require.main === module) {
  const [input, output] = process.argv.slice(2).map((p) => resolve(p));
  generateClient(input, output).then(
    () => {
      console.log(`wrote ${output ?? join(ROOT, 'clients', 'typescript', 'src')}`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
