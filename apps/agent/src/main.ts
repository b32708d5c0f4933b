import 'reflect-metadata';
import { once } from 'node:events';
import { join } from 'node:path';
import pino from 'pino';
import { createAdminServer, ReloadOutcome } from './admin/admin-server';
import { createMetricsRegistry } from './admin/metrics';
import { AgentEnvError, loadAgentEnv } from './agent-env';
import { CONFIG_FILE, readConfigFile } from './content/config-file';
import { ContentModule } from './content/content.module';
import { createFrontDoor } from './content/front-door';
import { ConfigDocumentDto } from '../../../libs/protocol/src/config-document';
import { ConfigSync } from './config/config-sync';
import { createManagementClient } from './management-client';
import { AgentIdentity, EnrolmentError, ensureIdentity, startHeartbeats } from './registration/registration';
import { Reporter } from './reporting/reporter';
import { contentStatsSource } from './reporting/stats-source';

const VERSION = '0.1.0';
const ENROL_RETRY_MS = 30_000;

async function main(): Promise<void> {
  const env = loadAgentEnv();
  const log = pino({ name: 'agent', level: env.LOG_LEVEL });

  // Data plane first: the agent serves its last configuration whether or not the management API answers.
  const content = new ContentModule(log.child({ module: 'content' }));
  const configPath = join(env.STATE_DIR, CONFIG_FILE);
  let reloading: Promise<ReloadOutcome> | undefined;
  const reload = (): Promise<ReloadOutcome> => {
    reloading ??= (async (): Promise<ReloadOutcome> => {
      const r = await readConfigFile(configPath);
      if (!r.ok) {
        if (r.missing) log.warn({ path: configPath }, 'no configuration file; serving nothing until one arrives');
        else log.error({ path: configPath, errors: r.errors }, content.configVersion === null ? 'configuration file invalid; serving nothing' : 'configuration file invalid; the previous configuration keeps serving');
        return { ok: false, errors: r.errors };
      }
      const applied = content.applyConfig(r.doc);
      return { ok: true, version: applied.version };
    })().finally(() => { reloading = undefined; });
    return reloading;
  };
  await reload();

  const frontDoor = createFrontDoor(content);
  frontDoor.listen(env.PROXY_PORT, env.PROXY_HOST);
  await once(frontDoor, 'listening');

  let identity: AgentIdentity | null = null;
  const admin = createAdminServer({
    content,
    registry: createMetricsRegistry(content),
    reload,
    agentInfo: () => ({ version: VERSION, agentId: identity?.id ?? null, enrolled: identity !== null, name: env.AGENT_NAME, pid: process.pid }),
  });
  admin.listen(env.ADMIN_PORT, env.ADMIN_HOST);
  await once(admin, 'listening');
  log.info({ proxy: `${env.PROXY_HOST}:${env.PROXY_PORT}`, admin: `${env.ADMIN_HOST}:${env.ADMIN_PORT}`, configVersion: content.configVersion }, 'data plane listening');

  process.on('SIGHUP', () => void reload());

  // One client for every call to the management API; it sends the credential once there is one.
  const client = createManagementClient({ baseUrl: env.MANAGEMENT_URL, version: VERSION, credential: () => identity?.credential });
  let heartbeats: { stop: () => void } | undefined;
  let configSync: ConfigSync | undefined;
  let reporter: Reporter | undefined;
  let enrolTimer: NodeJS.Timeout | undefined;
  const register = async (): Promise<void> => {
    try {
      identity = await ensureIdentity({ client, stateDir: env.STATE_DIR, managementUrl: env.MANAGEMENT_URL, enrolmentToken: env.ENROLMENT_TOKEN, name: env.AGENT_NAME, version: VERSION, log });
      heartbeats = startHeartbeats({ client, identity, intervalMs: env.HEARTBEAT_INTERVAL_MS, version: VERSION, address: `${env.PROXY_HOST}:${env.PROXY_PORT}`, log, configVersion: () => content.configVersion });
      // The management API tunes the agent remotely through the document's settings; an explicit
      // REPORT_INTERVAL_MS in the environment still wins over it.
      const remoteInterval = process.env.REPORT_INTERVAL_MS === undefined;
      const target = {
        get configVersion() {
          return content.configVersion;
        },
        applyConfig: (doc: ConfigDocumentDto) => {
          const applied = content.applyConfig(doc);
          if (remoteInterval) reporter?.setIntervalMs(doc.settings.reportIntervalMs);
          return applied;
        },
      };
      configSync = new ConfigSync({ client, identity, stateDir: env.STATE_DIR, target, log: log.child({ module: 'config' }), waitSeconds: env.CONFIG_POLL_WAIT_SECONDS });
      configSync.start();
      reporter = new Reporter({
        client, identity, stateDir: env.STATE_DIR, source: contentStatsSource(content), intervalMs: env.REPORT_INTERVAL_MS,
        format: env.REPORT_FORMAT as 'xml' | 'json', gzip: env.REPORT_GZIP === 'true', queueMax: env.REPORT_QUEUE_MAX,
        loadEndpoints: async () => {
          const r = await readConfigFile(configPath);
          return new Map(r.ok ? r.doc.services.flatMap((s) => (s.loadEndpoint ? [[s.id, s.loadEndpoint] as [string, string]] : [])) : []);
        },
        log: log.child({ module: 'reporting' }),
      });
      await reporter.start();
      log.info({ agentId: identity.id }, 'agent started');
    } catch (err) {
      if (err instanceof EnrolmentError && !env.ENROLMENT_TOKEN) {
        log.warn({ reason: err.message }, 'agent not enrolled; serving the data plane from the configuration file only');
        return;
      }
      // A refused token will not get better by retrying: stop with the reason (as before the data plane existed).
      if (err instanceof EnrolmentError) throw err;
      // The management API may be down or refuse us; keep serving and try again later.
      log.warn({ err: (err as Error).message, retryInMs: ENROL_RETRY_MS }, 'enrolment failed; will retry');
      enrolTimer = setTimeout(() => void register(), ENROL_RETRY_MS * (0.8 + Math.random() * 0.4));
      enrolTimer.unref();
    }
  };
  await register();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'agent stopping');
    heartbeats?.stop();
    void configSync?.stop();
    reporter?.stop();
    if (enrolTimer) clearTimeout(enrolTimer);
    admin.close();
    frontDoor.close();
    frontDoor.closeIdleConnections();
    // Give in-flight requests a moment, then go regardless.
    const deadline = setTimeout(() => process.exit(0), 5000);
    deadline.unref();
    const poll = setInterval(() => {
      if (content.totals.inflight <= 0) {
        clearInterval(poll);
        void content.close().finally(() => process.exit(0));
      }
    }, 50);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof AgentEnvError || err instanceof EnrolmentError ? err.message : err);
  process.exit(1);
});
