import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { DomainError, NotFoundError } from '../../../../libs/common/src/problem';
import { AuditService } from '../audit/audit.service';
import type { CallContext, Principal } from './principal';
import { ApiKey, EnrolmentToken, Scope } from './api-key.entity';
import { newSecret, parseSecret, secretMatches } from './secrets';

export const KEY_PREFIX = 'hrk';
export const TOKEN_PREFIX = 'hret';

export class UnauthorizedError extends DomainError {
  constructor(detail: string) {
    super(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="headroom"' });
  }
}

// Verified keys are remembered briefly so a fleet of long-polling agents does not cost a
// database round trip per request. Revocation is immediate on this replica and takes at most
// this long on the others.
const AUTH_CACHE_MS = 5000;
const AUTH_CACHE_MAX = 20_000;

@Injectable()
export class AuthService {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectRepository(EnrolmentToken) private readonly tokens: Repository<EnrolmentToken>,
    private readonly audit: AuditService,
  ) {}

  /** Creates an API key; the plaintext key is returned once and never stored. */
  async createApiKey(scopes: Scope[], name: string | null, ctx: CallContext, m?: EntityManager, agentId: string | null = null): Promise<{ key: ApiKey; token: string }> {
    const { token, lookup, secretHash } = newSecret(KEY_PREFIX);
    const run = async (em: EntityManager) => {
      const key = await em.getRepository(ApiKey).save(em.getRepository(ApiKey).create({ lookup, secretHash, scopes: [...new Set(scopes)], name, agentId }));
      await this.audit.record(em, ctx, 'api-key.create', 'api-key', key.id, null, { scopes: key.scopes, name, agentId });
      return key;
    };
    const key = m ? await run(m) : await this.keys.manager.transaction(run);
    return { key, token };
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.keys.find({ where: { revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  async revokeApiKey(id: string, ctx: CallContext): Promise<void> {
    await this.keys.manager.transaction(async (m) => {
      const key = await m.getRepository(ApiKey).findOne({ where: { id, revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw new NotFoundError('API key', id);
      key.revokedAt = new Date();
      await m.getRepository(ApiKey).save(key);
      await this.audit.record(m, ctx, 'api-key.revoke', 'api-key', id, { scopes: key.scopes }, null);
    });
    this.forget((p) => p.keyId === id);
  }

  /** Resolves a bearer token to a principal, or throws 401. */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw new UnauthorizedError('an API key is required: Authorization: Bearer <key>');
    const hit = this.cache.get(token);
    if (hit && hit.until > Date.now()) return hit.principal;
    const parsed = parseSecret(token, KEY_PREFIX);
    if (!parsed) throw new UnauthorizedError('the API key is malformed');
    const key = await this.keys.findOne({ where: { lookup: parsed.lookup } });
    if (!key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) throw new UnauthorizedError('the API key is not valid');
    // Touch lastUsedAt at most once a minute so authentication is not a write per request.
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
      void this.keys.update({ id: key.id }, { lastUsedAt: new Date() }).catch(() => undefined);
    }
    const principal: Principal = { keyId: key.id, scopes: key.scopes, agentId: key.agentId, name: key.name ?? key.id };
    if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear();
    this.cache.set(token, { principal, until: Date.now() + AUTH_CACHE_MS });
    return principal;
  }

  /** Forgets cached verifications of one key (after revocation) or of an agent's credentials. */
  forget(match: (p: Principal) => boolean): void {
    for (const [token, entry] of this.cache) if (match(entry.principal)) this.cache.delete(token);
  }

  async createEnrolmentToken(opts: { name?: string; ttlSeconds?: number; maxUses?: number }, ctx: CallContext): Promise<{ row: EnrolmentToken; token: string }> {
    const { token, lookup, secretHash } = newSecret(TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + (opts.ttlSeconds ?? 86_400) * 1000);
    return this.tokens.manager.transaction(async (m) => {
      const row = await m.getRepository(EnrolmentToken).save(m.getRepository(EnrolmentToken).create({ lookup, secretHash, expiresAt, maxUses: opts.maxUses ?? null, name: opts.name ?? null }));
      await this.audit.record(m, ctx, 'enrolment-token.create', 'enrolment-token', row.id, null, { expiresAt, maxUses: row.maxUses, name: row.name });
      return { row, token };
    });
  }

  /** Consumes one use of an enrolment token inside the caller's transaction, or throws 401. */
  async consumeEnrolmentToken(m: EntityManager, token: string): Promise<EnrolmentToken> {
    const parsed = parseSecret(token, TOKEN_PREFIX);
    if (!parsed) throw new UnauthorizedError('the enrolment token is not valid');
    const row = await m.getRepository(EnrolmentToken).findOne({ where: { lookup: parsed.lookup }, lock: { mode: 'pessimistic_write' } });
    if (!row || row.revokedAt || !secretMatches(parsed.secret, row.secretHash)) throw new UnauthorizedError('the enrolment token is not valid');
    if (row.expiresAt.getTime() <= Date.now()) throw new UnauthorizedError('the enrolment token has expired');
    if (row.maxUses !== null && row.uses >= row.maxUses) throw new UnauthorizedError('the enrolment token has been used up');
    row.uses += 1;
    await m.getRepository(EnrolmentToken).save(row);
    return row;
  }
}
