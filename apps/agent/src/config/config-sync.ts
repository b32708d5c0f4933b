import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CodecError } from '../../../../libs/codec/src/errors';
import { decodeConfigXml } from '../../../../libs/protocol/src/config-codec';
import { ConfigDocumentDto } from '../../../../libs/protocol/src/config-document';
import { validateConfigDocument } from '../../../../libs/protocol/src/validate';
import { CONFIG_FILE } from '../content/config-file';
import { ApiError, describeFailure, ManagementClient, withDeadline } from '../management-client';
import type { AgentIdentity } from '../registration/registration';
import { writeFileAtomic } from '../state-files';

export const PREVIOUS_CONFIG_FILE = 'config.prev.json';

/** What the config module needs of the data plane. */
export interface ConfigTarget {
  readonly configVersion: number | null;
  applyConfig(doc: ConfigDocumentDto): unknown;
}

export interface ConfigSyncOptions {
  client: ManagementClient;
  identity: AgentIdentity;
  stateDir: string;
  target: ConfigTarget;
  log: Logger;
  /** Seconds the management API may hold each long poll. */
  waitSeconds?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called whenever the connection state changes (for the `connected` gauge). */
  onConnected?: (connected: boolean) => void;
}

export type ApplyOutcome = { status: 'applied'; version: number } | { status: 'rejected'; version: number; error: string } | { status: 'ignored'; version: number };

/**
 * The agent's config module: holds a long poll for the next revision, validates it, writes it
 * atomically to STATE_DIR (keeping the previous good one), swaps it into the data plane in one
 * step and acks; an invalid document is nacked with the reason and the old one keeps serving.
 */
export class ConfigSync {
  private stopped = false;
  private connected = false;
  private current: Promise<void> | undefined;
  /** The held long poll, cancelled by stop(). */
  private poll: { cancel(): void } | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ConfigSyncOptions) {}

  get version(): number {
    return this.o.target.configVersion ?? 0;
  }

  start(): void {
    this.current ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Cancelling aborts the fetch, so the held poll ends now rather than at the server's hold time.
    this.poll?.cancel();
    this.wake?.();
    await this.current?.catch(() => undefined);
  }

  private setConnected(c: boolean): void {
    if (c === this.connected) return;
    this.connected = c;
    this.o.onConnected?.(c);
    if (c) this.o.log.info({ version: this.version }, 'config channel connected');
  }

  private async loop(): Promise<void> {
    let backoff = this.o.minBackoffMs ?? 250;
    const maxBackoff = this.o.maxBackoffMs ?? 30_000;
    while (!this.stopped) {
      try {
        await this.pollOnce();
        backoff = this.o.minBackoffMs ?? 250;
      } catch (err) {
        if (this.stopped) break;
        this.setConnected(false);
        // Full jitter: thousands of agents reconnecting after an outage spread out.
        const delay = Math.round(Math.random() * backoff);
        this.o.log.warn({ err: (err as Error).message, retryInMs: delay }, 'config poll failed');
        await this.sleep(delay);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        r();
      };
    });
    this.wake = undefined;
  }

  /** One long poll; applies and acks what it receives. */
  async pollOnce(): Promise<ApplyOutcome | null> {
    const { client, identity } = this.o;
    const wait = this.o.waitSeconds ?? 30;
    // The generated pollAgentConfig cannot ask for XML (it always sends Accept: application/json)
    // and drops the headers, so the poll is an exchange with the same path, query and errors.
    const poll = client.request.exchange<string>({
      method: 'GET',
      url: '/v1/agents/{id}/config',
      path: { id: identity.id },
      query: { after: this.version, wait },
      headers: { Accept: 'application/xml' },
      errors: { 304: 'nothing newer arrived within `wait` seconds' },
    });
    this.poll = poll;
    let xml: string;
    let headerVersion: number | null;
    try {
      // The server answers 304 after `wait` seconds; the margin covers a slow network, not a hang.
      const res = await withDeadline(poll, wait * 1000 + 15_000, 'config poll');
      xml = typeof res.body === 'string' ? res.body : '';
      headerVersion = Number(res.headers.get('x-config-version')) || null;
    } catch (err) {
      if (err instanceof ApiError && err.status === 304) {
        this.setConnected(true);
        return null;
      }
      throw new Error(`config poll ${describeFailure(err)}`, { cause: err });
    } finally {
      this.poll = undefined;
    }
    this.setConnected(true);
    const outcome = await this.applyDocument(xml, headerVersion);
    // Without a version (no readable document and no X-Config-Version) there is nothing to nack, and
    // the next poll would get the same document at once: fail the poll, so the loop backs off while
    // the management API's ack timeout rolls back.
    if (outcome.status === 'rejected' && outcome.version < 1) throw new Error(`config poll answered a document without a readable version: ${outcome.error}`);
    await this.ack(outcome);
    return outcome;
  }

  /**
   * Validates, persists and applies one document; never throws for a bad document. headerVersion
   * (X-Config-Version) names the revision when the document itself is unreadable, so it can be nacked.
   */
  async applyDocument(xml: string, headerVersion: number | null = null): Promise<ApplyOutcome> {
    let plain: Record<string, unknown>;
    try {
      plain = decodeConfigXml(xml);
    } catch (err) {
      const version = headerVersion ?? 0;
      this.o.log.error({ version }, 'configuration revision unreadable; the previous one keeps serving');
      return { status: 'rejected', version, error: err instanceof CodecError ? `not a valid document: ${err.message}` : String(err) };
    }
    const version = typeof plain.version === 'number' ? plain.version : (headerVersion ?? 0);
    const checked = validateConfigDocument(plain);
    if (!checked.ok) {
      this.o.log.error({ version, errors: checked.errors }, 'configuration revision rejected; the previous one keeps serving');
      return { status: 'rejected', version, error: checked.errors.join('; ').slice(0, 3900) };
    }
    const doc = checked.doc;
    if (doc.version <= this.version) return { status: 'ignored', version: doc.version };
    if (doc.agentId && doc.agentId !== this.o.identity.id) return { status: 'rejected', version, error: `document is for agent ${doc.agentId}` };
    const path = join(this.o.stateDir, CONFIG_FILE);
    try {
      await copyFile(path, join(this.o.stateDir, PREVIOUS_CONFIG_FILE)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await writeFileAtomic(path, JSON.stringify(doc), 0o600);
    } catch (err) {
      this.o.log.error({ version, err: (err as Error).message }, 'could not persist the revision; the previous one keeps serving');
      return { status: 'rejected', version, error: `could not persist the revision: ${(err as Error).message}` };
    }
    try {
      this.o.target.applyConfig(doc);
    } catch (err) {
      return { status: 'rejected', version, error: `could not apply the revision: ${(err as Error).message}` };
    }
    this.o.log.info({ version }, 'configuration revision applied');
    return { status: 'applied', version };
  }

  private async ack(outcome: ApplyOutcome): Promise<void> {
    if (outcome.status === 'ignored' || outcome.version < 1) return;
    const { client, identity } = this.o;
    const requestBody = outcome.status === 'applied' ? { version: outcome.version, status: 'applied' as const } : { version: outcome.version, status: 'rejected' as const, error: outcome.error };
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      try {
        await withDeadline(client.updates.ackAgentConfig({ id: identity.id, requestBody }), 10_000, 'config ack');
        return;
      } catch (err) {
        // A 4xx will not change by resending; 5xx and no answer are retried.
        if (err instanceof ApiError && err.status < 500) return;
      }
      await this.sleep(200 * 2 ** attempt);
    }
    this.o.log.warn({ version: outcome.version }, 'could not deliver the ack; the management API will see the agent converge through its reports');
  }
}
