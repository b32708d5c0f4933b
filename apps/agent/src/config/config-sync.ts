import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { CodecError } from '../../../../libs/codec/src/errors';
import { decodeConfigXml } from '../../../../libs/protocol/src/config-codec';
import { ConfigDocumentDto } from '../../../../libs/protocol/src/config-document';
import { validateConfigDocument } from '../../../../libs/protocol/src/validate';
import { CONFIG_FILE } from '../content/config-file';
import type { AgentIdentity } from '../registration/registration';
import { writeFileAtomic } from '../state-files';

export const PREVIOUS_CONFIG_FILE = 'config.prev.json';

/** What the config module needs of the data plane. */
export interface ConfigTarget {
  readonly configVersion: number | null;
  applyConfig(doc: ConfigDocumentDto): unknown;
}

export interface ConfigSyncOptions {
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
  private readonly dispatcher: Agent;
  private current: Promise<void> | undefined;
  private abort = new AbortController();

  constructor(private readonly o: ConfigSyncOptions) {
    // Long polls need a body timeout longer than the server's hold time.
    const holdMs = (o.waitSeconds ?? 30) * 1000;
    this.dispatcher = new Agent({ connections: 2, headersTimeout: holdMs + 15_000, bodyTimeout: holdMs + 15_000, connectTimeout: 5000 });
  }

  get version(): number {
    return this.o.target.configVersion ?? 0;
  }

  start(): void {
    this.current ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.current?.catch(() => undefined);
    await this.dispatcher.close().catch(() => undefined);
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
        await new Promise((r) => setTimeout(r, delay).unref());
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  /** One long poll; applies and acks what it receives. */
  async pollOnce(): Promise<ApplyOutcome | null> {
    const { identity } = this.o;
    const url = new URL(`/v1/agents/${identity.id}/config`, identity.managementUrl);
    url.searchParams.set('after', String(this.version));
    url.searchParams.set('wait', String(this.o.waitSeconds ?? 30));
    const res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/xml', authorization: `Bearer ${identity.credential}` },
      dispatcher: this.dispatcher,
      signal: this.abort.signal,
    });
    if (res.statusCode === 304) {
      await res.body.dump();
      this.setConnected(true);
      return null;
    }
    if (res.statusCode !== 200) {
      const detail = await res.body.text().catch(() => '');
      throw new Error(`config poll answered ${res.statusCode}: ${detail.slice(0, 300)}`);
    }
    this.setConnected(true);
    const text = await res.body.text();
    const outcome = await this.applyDocument(text, Number(res.headers['x-config-version']) || null);
    await this.ack(outcome);
    return outcome;
  }

  /** Validates, persists and applies one document; never throws for a bad document. */
  async applyDocument(xml: string, headerVersion: number | null): Promise<ApplyOutcome> {
    let plain: Record<string, unknown>;
    try {
      plain = decodeConfigXml(xml);
    } catch (err) {
      const version = headerVersion ?? 0;
      return { status: 'rejected', version, error: err instanceof CodecError ? `not a valid document: ${err.message}` : String(err) };
    }
    const version = typeof plain.version === 'number' ? plain.version : headerVersion ?? 0;
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
    const { identity } = this.o;
    const body = outcome.status === 'applied' ? { version: outcome.version, status: 'applied' } : { version: outcome.version, status: 'rejected', error: outcome.error };
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      try {
        const res = await request(new URL(`/v1/agents/${identity.id}/config/acks`, identity.managementUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${identity.credential}` },
          body: JSON.stringify(body),
          dispatcher: this.dispatcher,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await res.body.dump();
        if (res.statusCode < 500) return;
      } catch {
        // retried below
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt).unref());
    }
    this.o.log.warn({ version: outcome.version }, 'could not deliver the ack; the management API will see the agent converge through its reports');
  }
}
