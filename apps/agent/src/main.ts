import 'reflect-metadata';
import pino from 'pino';
import { AgentEnvError, loadAgentEnv } from './agent-env';
import { ensureIdentity, startHeartbeats } from './registration/registration';

const VERSION = '0.1.0';

async function main(): Promise<void> {
  const env = loadAgentEnv();
  const log = pino({ name: 'agent', level: env.LOG_LEVEL });
  const identity = await ensureIdentity({ stateDir: env.STATE_DIR, managementUrl: env.MANAGEMENT_URL, enrolmentToken: env.ENROLMENT_TOKEN, name: env.AGENT_NAME, version: VERSION, log });
  const heartbeats = startHeartbeats({ identity, intervalMs: env.HEARTBEAT_INTERVAL_MS, version: VERSION, address: `${env.PROXY_HOST}:${env.PROXY_PORT}`, log });
  log.info({ agentId: identity.id }, 'agent started');
  const stop = (signal: string) => {
    log.info({ signal }, 'agent stopping');
    heartbeats.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Keep the process alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(err instanceof AgentEnvError ? err.message : err);
  process.exit(1);
});
