// The management API under test, in its own process so the load generator does not share its
// event loop. Prints one JSON line with its URL and an admin key once it listens.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../libs/common/src/config';
import { AuthService } from '../../apps/management/src/auth/auth.service';
import { createManagementApp, hardenServer } from '../../apps/management/src/bootstrap';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', TELEMETRY_RETENTION_SWEEP_MS: '0' });
  const app = await createManagementApp(config);
  hardenServer(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const adminKey = (await app.get(AuthService).createApiKey(['admin'], 'bench', { actor: 'bench', requestId: null })).token;
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, adminKey }) + '\n');
}

void main();
