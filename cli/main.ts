import { Command, CommanderError, Option } from 'commander';
import { ApiError, HeadroomClient } from '../clients/typescript/src';
import type { AgentDto, ApiKeyDto, AuditEntryDto, DecisionDto, PolicyDto, PoolDto, ServerDto, ServerPageDto, ServiceDto, ServicePageDto, UpdateDto } from '../clients/typescript/src';
import { details, ExitCode, formatLabels, formatProblem, parseIntOption, parseLabels, table, UsageError } from './output';

/** Where the CLI writes and what environment it reads; tests and embedders pass their own. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Aborted to stop `--follow` loops (Ctrl-C in the bin). */
  signal?: AbortSignal;
}

const DEFAULT_URL = 'http://127.0.0.1:8080';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const HELP_FOOTER = `
Connection:
  --url / HEADROOM_URL          management API base URL (default ${DEFAULT_URL})
  --api-key / HEADROOM_API_KEY  an API key (npm run management -- create-api-key --scope admin)

Output:
  people get aligned tables; --json prints the API's JSON on stdout (one object per line
  for streams) for scripts. Problems go to stderr as one line: title (status): detail; field: message.

Exit codes:
  0  success
  1  usage: unknown command or option, missing or malformed value
  2  the API answered 4xx: invalid input, no or wrong key, not found, conflict
  3  the API answered 5xx, or it could not be reached
`;

/** A failure already reported to the user, carrying its exit code. */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface Globals {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

class Context {
  readonly client: HeadroomClient;
  readonly url: string;
  readonly json: boolean;
  private readonly key: string | undefined;

  constructor(
    readonly io: Io,
    g: Globals,
  ) {
    this.url = (g.url ?? io.env.HEADROOM_URL ?? DEFAULT_URL).replace(/\/+$/, '');
    this.key = g.apiKey ?? io.env.HEADROOM_API_KEY;
    this.json = !!g.json;
    this.client = new HeadroomClient({ BASE: this.url, TOKEN: this.key || undefined });
  }

  print(human: string, data: unknown): void {
    this.io.out(this.json ? JSON.stringify(data, null, 2) : human);
  }

  authHeaders(): Record<string, string> {
    return this.key ? { Authorization: `Bearer ${this.key}` } : {};
  }
}

/** Turns any failure of a command into its one-line message and exit code. */
function report(err: unknown, ctx: Context | undefined, io: Io): number {
  if (err instanceof Exit) return err.code;
  if (err instanceof UsageError) {
    io.err(`headroom: ${err.message}`);
    return ExitCode.Usage;
  }
  if (err instanceof ApiError) {
    io.err(`headroom: ${formatProblem(err.status, err.body, err.statusText || 'request failed')}`);
    if (ctx?.json && err.body && typeof err.body === 'object') io.out(JSON.stringify(err.body, null, 2));
    return err.status >= 500 ? ExitCode.ServerError : ExitCode.ClientError;
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (err instanceof TypeError && cause) {
    io.err(`headroom: cannot reach ${ctx?.url ?? 'the management API'}: ${cause.code ?? cause.message ?? err.message}`);
    return ExitCode.ServerError;
  }
  io.err(`headroom: ${err instanceof Error ? err.message : String(err)}`);
  return ExitCode.ServerError;
}

const serverRow = (s: ServerDto) => [s.id, s.name, `${s.protocol}://${s.host}:${s.port}`, s.state, s.serviceId, s.weight, s.zone, formatLabels(s.labels)];
const SERVER_HEADERS = ['ID', 'NAME', 'ADDRESS', 'STATE', 'SERVICE', 'WEIGHT', 'ZONE', 'LABELS'];
const serviceRow = (s: ServiceDto) => [s.id, s.name, s.match.host, s.match.pathPrefix, s.algorithm, `${s.scaling.min}..${s.scaling.max}`];
const SERVICE_HEADERS = ['ID', 'NAME', 'HOST', 'PATH', 'ALGORITHM', 'SCALING'];

async function allServices(ctx: Context): Promise<ServiceDto[]> {
  const out: ServiceDto[] = [];
  let cursor: string | undefined;
  do {
    const page: ServicePageDto = await ctx.client.services.listServices({ limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** A service given by id or by name. */
async function resolveService(ctx: Context, ref: string): Promise<ServiceDto> {
  if (UUID.test(ref)) return ctx.client.services.getService({ id: ref });
  const found = (await allServices(ctx)).find((s) => s.name === ref);
  if (!found) {
    ctx.io.err(`headroom: no service named "${ref}"`);
    throw new Exit(ExitCode.ClientError);
  }
  return found;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Builds the command tree; every action runs through `act`, which maps failures to exit codes. */
export function buildProgram(io: Io, done: (code: number) => void): Command {
  const program = new Command('headroom')
    .description('Command line for the Headroom management API: servers, pools, services, agents, policies, decisions, updates and events.')
    .addOption(new Option('--url <url>', 'management API base URL').env('HEADROOM_URL'))
    .addOption(new Option('--api-key <key>', 'API key').env('HEADROOM_API_KEY'))
    .option('--json', 'print JSON for scripts instead of tables')
    .addHelpText('after', HELP_FOOTER)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });

  const act = (what: string, fn: (ctx: Context, ...args: any[]) => Promise<void>) =>
    async (...args: any[]) => {
      const cmd = args[args.length - 1] as Command;
      let ctx: Context | undefined;
      try {
        ctx = new Context(io, cmd.optsWithGlobals<Globals>());
        await fn(ctx, ...args.slice(0, -1));
        done(ExitCode.Ok);
      } catch (err) {
        done(report(err, ctx, io));
      }
    };
  const sub = (parent: Command, name: string, description: string) =>
    parent.command(name).description(description).exitOverride().addHelpText('after', '\nExit codes: 0 ok, 1 usage, 2 API 4xx, 3 API 5xx or unreachable (headroom --help).');

  // servers
  const servers = sub(program, 'servers', 'backend servers: add, list, get, retire');
  sub(servers, 'add', 'register a server into the free pool')
    .requiredOption('--name <name>', 'unique name')
    .requiredOption('--host <host>', 'host name or IP address')
    .requiredOption('--port <port>', 'TCP port')
    .addOption(new Option('--protocol <protocol>', 'how the agent talks to it').choices(['http', 'https']))
    .option('--weight <n>', 'relative weight for weighted balancing')
    .option('--zone <zone>', 'availability zone')
    .option('--max-connections <n>', 'connection limit the agent enforces')
    .option('--label <key=value...>', 'labels (repeatable)', [])
    .action(act('servers add', async (ctx, o: { name: string; host: string; port: string; protocol?: 'http' | 'https'; weight?: string; zone?: string; maxConnections?: string; label: string[] }) => {
      const requestBody = {
        name: o.name,
        host: o.host,
        port: parseIntOption('--port', o.port) as number,
        protocol: o.protocol,
        weight: parseIntOption('--weight', o.weight),
        zone: o.zone,
        maxConnections: parseIntOption('--max-connections', o.maxConnections),
        labels: o.label.length ? parseLabels(o.label) : undefined,
      };
      const s = await ctx.client.servers.registerServer({ requestBody });
      ctx.print(table(SERVER_HEADERS, [serverRow(s)]), s);
    }));
  sub(servers, 'list', 'list servers')
    .addOption(new Option('--state <state>', 'only servers in this state').choices(['free', 'allocating', 'allocated', 'draining', 'quarantined', 'retired']))
    .option('--service <id>', 'only servers of this service id ("none" for the free pool)')
    .option('--selector <k=v,...>', 'label selector')
    .option('--limit <n>', 'page size')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'follow the cursor through every page')
    .action(act('servers list', async (ctx, o: { state?: ServerDto['state']; service?: string; selector?: string; limit?: string; cursor?: string; all?: boolean }) => {
      const items: ServerDto[] = [];
      let cursor = o.cursor;
      let page: ServerPageDto;
      do {
        page = await ctx.client.servers.listServers({ state: o.state, service: o.service, selector: o.selector, limit: parseIntOption('--limit', o.limit), cursor });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (o.all && cursor);
      const body = { items, nextCursor: o.all ? null : page.nextCursor };
      ctx.print(table(SERVER_HEADERS, items.map(serverRow)), body);
      if (!ctx.json && body.nextCursor) ctx.io.err(`more: --cursor ${body.nextCursor} (or --all)`);
    }));
  sub(servers, 'get', 'show one server')
    .argument('<id>', 'server id')
    .action(act('servers get', async (ctx, id: string) => {
      const s = await ctx.client.servers.getServer({ id });
      ctx.print(details([['id', s.id], ['name', s.name], ['address', `${s.protocol}://${s.host}:${s.port}`], ['state', s.state], ['reason', s.stateReason], ['service', s.serviceId], ['weight', s.weight], ['zone', s.zone], ['maxConnections', s.maxConnections], ['labels', formatLabels(s.labels)], ['registeredAt', s.registeredAt], ['stateChangedAt', s.stateChangedAt]]), s);
    }));
  sub(servers, 'retire', 'retire a free or quarantined server for good')
    .argument('<id>', 'server id')
    .action(act('servers retire', async (ctx, id: string) => {
      const s = await ctx.client.servers.retireServer({ id });
      ctx.print(table(SERVER_HEADERS, [serverRow(s)]), s);
    }));

  // pools
  const pools = sub(program, 'pools', 'the free pool and each service\'s allocated pool; allocate, deallocate');
  const poolRow = (p: PoolDto) => [p.serviceName ?? '(free)', p.serviceId, p.servers.length, Object.entries(p.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(','), p.servers.map((s) => s.name).join(',')];
  const POOL_HEADERS = ['POOL', 'SERVICE', 'SERVERS', 'STATES', 'MEMBERS'];
  sub(pools, 'list', 'list every pool (the default)').action(act('pools', async (ctx) => listPools(ctx)));
  const listPools = async (ctx: Context) => {
    const all = await ctx.client.pools.listPools();
    ctx.print(table(POOL_HEADERS, [poolRow(all.free), ...all.services.map(poolRow)]), all);
  };
  pools.action(act('pools', async (ctx) => listPools(ctx)));
  const move = (kind: 'allocate' | 'deallocate') =>
    act(`pools ${kind}`, async (ctx, ref: string, o: { count?: string; server: string[] }) => {
      const count = parseIntOption('--count', o.count);
      if ((count === undefined) === (o.server.length === 0)) throw new UsageError(`pools ${kind} needs either --count or --server`);
      const service = await resolveService(ctx, ref);
      const requestBody = count !== undefined ? { count } : { serverIds: o.server };
      const change = kind === 'allocate' ? await ctx.client.pools.allocateServers({ id: service.id, requestBody }) : await ctx.client.pools.deallocateServers({ id: service.id, requestBody });
      ctx.print(table(SERVER_HEADERS, change.servers.map(serverRow)), change);
    });
  sub(pools, 'allocate', 'move free servers into a service\'s pool (all or nothing)')
    .argument('<service>', 'service id or name')
    .option('--count <n>', 'how many free servers')
    .option('--server <id...>', 'exactly these free servers', [])
    .action(move('allocate'));
  sub(pools, 'deallocate', 'drain servers out of a service\'s pool back to the free pool')
    .argument('<service>', 'service id or name')
    .option('--count <n>', 'how many servers (newest first)')
    .option('--server <id...>', 'exactly these servers', [])
    .action(move('deallocate'));

  // services
  const services = sub(program, 'services', 'services: list, add, get');
  sub(services, 'list', 'list services')
    .action(act('services list', async (ctx) => {
      const items = await allServices(ctx);
      ctx.print(table(SERVICE_HEADERS, items.map(serviceRow)), { items, nextCursor: null });
    }));
  sub(services, 'add', 'create a service')
    .requiredOption('--name <name>', 'unique name')
    .option('--host <host>', 'match requests for this Host')
    .option('--path-prefix <prefix>', 'match requests under this path prefix')
    .addOption(new Option('--algorithm <algorithm>', 'load balancing').choices(['round_robin', 'weighted_round_robin', 'least_request']))
    .option('--min <n>', 'fewest servers')
    .option('--max <n>', 'most servers')
    .action(act('services add', async (ctx, o: { name: string; host?: string; pathPrefix?: string; algorithm?: ServiceDto['algorithm']; min?: string; max?: string }) => {
      if (!o.host && !o.pathPrefix) throw new UsageError('services add needs --host and/or --path-prefix');
      const min = parseIntOption('--min', o.min);
      const max = parseIntOption('--max', o.max);
      const s = await ctx.client.services.createService({
        requestBody: { name: o.name, match: { host: o.host, pathPrefix: o.pathPrefix }, algorithm: o.algorithm, scaling: min !== undefined || max !== undefined ? { min: min ?? 0, max: max ?? Math.max(min ?? 0, 10) } : undefined },
      });
      ctx.print(table(SERVICE_HEADERS, [serviceRow(s)]), s);
    }));
  sub(services, 'get', 'show one service (by id or name) with its pool')
    .argument('<service>', 'service id or name')
    .action(act('services get', async (ctx, ref: string) => {
      const s = await resolveService(ctx, ref);
      const pool = await ctx.client.pools.getServicePool({ id: s.id });
      ctx.print(
        `${details([['id', s.id], ['name', s.name], ['host', s.match.host], ['pathPrefix', s.match.pathPrefix], ['algorithm', s.algorithm], ['scaling', `${s.scaling.min}..${s.scaling.max}`], ['healthCheck', s.healthCheck], ['latencyObjectiveMs', s.latencyObjectiveMs]])}\n\n${table(SERVER_HEADERS, pool.servers.map(serverRow))}`,
        { ...s, pool },
      );
    }));

  // agents
  const agents = sub(program, 'agents', 'edge agents: list (default), get, token');
  sub(agents, 'list', 'list agents with their status')
    .addOption(new Option('--status <status>', 'only agents with this status').choices(['online', 'stale', 'offline']))
    .action(act('agents list', async (ctx, o: { status?: AgentDto['status'] }) => {
      const items = await ctx.client.agents.listAgents({ status: o.status });
      ctx.print(table(['ID', 'NAME', 'STATUS', 'LAST SEEN', 'ADDRESS', 'VERSION', 'SERVICES'], items.map((a) => [a.id, a.name, a.status, a.lastSeenAt, a.address, a.softwareVersion, a.serviceIds.length ? a.serviceIds.join(',') : '(all)'])), items);
    }));
  sub(agents, 'get', 'show one agent')
    .argument('<id>', 'agent id')
    .action(act('agents get', async (ctx, id: string) => {
      const a = await ctx.client.agents.getAgent({ id });
      ctx.print(details(Object.entries(a)), a);
    }));
  sub(agents, 'token', 'create an enrolment token for new agents (printed once)')
    .option('--ttl <seconds>', 'lifetime in seconds')
    .option('--max-uses <n>', 'how many agents may enrol with it')
    .action(act('agents token', async (ctx, o: { ttl?: string; maxUses?: string }) => {
      const t = await ctx.client.auth.createEnrolmentToken({ requestBody: { ttlSeconds: parseIntOption('--ttl', o.ttl), maxUses: parseIntOption('--max-uses', o.maxUses) } });
      ctx.print(t.token, t);
    }));
  agents.action(act('agents', async (ctx) => {
    const items = await ctx.client.agents.listAgents({});
    ctx.print(table(['ID', 'NAME', 'STATUS', 'LAST SEEN', 'SERVICES'], items.map((a) => [a.id, a.name, a.status, a.lastSeenAt, a.serviceIds.length ? a.serviceIds.join(',') : '(all)'])), items);
  }));

  // policies, decisions, updates
  const POLICY_HEADERS = ['SERVICE', 'ID', 'ROLE', 'POOL', 'TYPE', 'METRIC', 'RULE', 'MIN..MAX', 'DRY RUN'];
  const rule = (p: PolicyDto) => (p.type === 'target-tracking' ? `target ${p.target}` : [p.scaleOut && `out ${p.scaleOut.comparison} ${p.scaleOut.value}`, p.scaleIn && `in ${p.scaleIn.comparison} ${p.scaleIn.value}`].filter(Boolean).join(', '));
  const policyRow = (service: string, p: PolicyDto) => [service, p.id, p.role, p.pool, p.type, p.metric, rule(p), `${p.min ?? '-'}..${p.max ?? '-'}`, p.dryRun ? 'yes' : 'no'];
  sub(program, 'policies', 'scaling policies of one service, or of every service')
    .argument('[service]', 'service id or name')
    .action(act('policies', async (ctx, ref: string | undefined) => {
      const targets = ref ? [await resolveService(ctx, ref)] : await allServices(ctx);
      const rows: Array<[string, PolicyDto]> = [];
      for (const s of targets) for (const p of await ctx.client.policies.listPolicies({ id: s.id })) rows.push([s.name, p]);
      ctx.print(table(POLICY_HEADERS, rows.map(([name, p]) => policyRow(name, p))), rows.map(([service, p]) => ({ service, ...p })));
    }));

  const DECISION_HEADERS = ['SERVICE', 'AT', 'ACTION', 'STATUS', 'POOL', 'CHANGE', 'REASON'];
  const decisionRow = (service: string, d: DecisionDto) => [service, d.createdAt, d.action, d.status, d.pool, `${d.current}→${d.desired}`, d.reason];
  sub(program, 'decisions', 'scaling decisions with their evidence, newest first')
    .argument('[service]', 'service id or name')
    .option('--limit <n>', 'how many per service')
    .option('--all', 'also the evaluations that changed nothing (holds, no_change)')
    .action(act('decisions', async (ctx, ref: string | undefined, o: { limit?: string; all?: boolean }) => {
      const targets = ref ? [await resolveService(ctx, ref)] : await allServices(ctx);
      const rows: Array<[string, DecisionDto]> = [];
      for (const s of targets) {
        const page = await ctx.client.decisions.listDecisions({ id: s.id, limit: parseIntOption('--limit', o.limit), includeNoChange: o.all });
        for (const d of page.items) rows.push([s.name, d]);
      }
      ctx.print(table(DECISION_HEADERS, rows.map(([name, d]) => decisionRow(name, d))), rows.map(([service, d]) => ({ service, ...d })));
    }));

  const UPDATE_HEADERS = ['ID', 'CREATED', 'STATUS', 'ATTEMPT', 'AGENTS', 'REASON'];
  const agentStates = (u: UpdateDto) => Object.entries(u.agents.reduce<Record<string, number>>((n, a) => ({ ...n, [a.state]: (n[a.state] ?? 0) + 1 }), {})).map(([k, n]) => `${k}=${n}`).join(',');
  sub(program, 'updates', 'configuration updates and their per-agent state')
    .argument('[id]', 'one update')
    .addOption(new Option('--status <status>', 'only updates in this state').choices(['pending', 'verifying', 'retrying', 'succeeded', 'rolled_back', 'failed']))
    .option('--limit <n>', 'how many, newest first')
    .action(act('updates', async (ctx, id: string | undefined, o: { status?: UpdateDto['status']; limit?: string }) => {
      if (!id) {
        const items = await ctx.client.updates.listUpdates({ status: o.status, limit: parseIntOption('--limit', o.limit) });
        return ctx.print(table(UPDATE_HEADERS, items.map((u) => [u.id, u.createdAt, u.status, u.attempt, agentStates(u), u.reason])), items);
      }
      const u = await ctx.client.updates.getUpdate({ id });
      ctx.print(
        `${details([['id', u.id], ['status', u.status], ['reason', u.reason], ['attempt', u.attempt], ['added', u.addedServerIds.join(',')], ['removed', u.removedServerIds.join(',')], ['error', u.error], ['createdAt', u.createdAt], ['deadline', u.deadline], ['finishedAt', u.finishedAt]])}\n\n${table(['AGENT', 'VERSION', 'STATE', 'ACKED', 'VERIFIED', 'ERROR'], u.agents.map((a) => [a.agentId, a.version, a.state, a.ackedAt, a.verifiedAt, a.error]))}`,
        u,
      );
    }));

  sub(program, 'events', 'the event stream (decisions, allocations, updates, failures)')
    .option('--follow', 'keep streaming; reconnects and resumes with Last-Event-ID')
    .option('--idle <ms>', 'without --follow: stop after this long without an event', '1000')
    .action(act('events', async (ctx, o: { follow?: boolean; idle: string }) => {
      await streamEvents(ctx, !!o.follow, parseIntOption('--idle', o.idle) ?? 1000);
    }));

  sub(program, 'audit', 'the audit log, newest first')
    .option('--limit <n>', 'how many entries', '50')
    .option('--follow', 'keep printing new entries as they are written')
    .option('--interval <ms>', 'poll interval for --follow', '1000')
    .action(act('audit', async (ctx, o: { limit: string; follow?: boolean; interval: string }) => {
      const row = (e: AuditEntryDto) => [e.id, e.at, e.actor, e.action, e.targetType, e.targetId];
      const headers = ['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'TARGET ID'];
      const first = await ctx.client.audit.listAudit({ limit: parseIntOption('--limit', o.limit) });
      if (!o.follow) return ctx.print(table(headers, first.map(row)), first);
      // Following: oldest first, one line (or one JSON object) per entry.
      const show = (entries: AuditEntryDto[]) => {
        for (const e of [...entries].reverse()) ctx.io.out(ctx.json ? JSON.stringify(e) : table(headers, [row(e)]).split('\n')[1]);
      };
      if (!ctx.json) ctx.io.out(table(headers, []));
      show(first);
      let last = first.length ? BigInt(first[0].id) : 0n;
      const interval = parseIntOption('--interval', o.interval) ?? 1000;
      while (!ctx.io.signal?.aborted) {
        await sleep(interval, ctx.io.signal);
        if (ctx.io.signal?.aborted) break;
        const fresh = (await ctx.client.audit.listAudit({ limit: 500 })).filter((e) => BigInt(e.id) > last);
        if (fresh.length) last = BigInt(fresh[0].id);
        show(fresh);
      }
    }));

  const keys = sub(program, 'api-keys', 'API keys: list, create, revoke');
  const keyRow = (k: ApiKeyDto) => [k.id, k.name, k.scopes.join(','), k.agentId, k.createdAt, k.lastUsedAt];
  const KEY_HEADERS = ['ID', 'NAME', 'SCOPES', 'AGENT', 'CREATED', 'LAST USED'];
  sub(keys, 'list', 'list live keys (never their secrets)')
    .action(act('api-keys list', async (ctx) => {
      const items = await ctx.client.auth.listApiKeys();
      ctx.print(table(KEY_HEADERS, items.map(keyRow)), items);
    }));
  sub(keys, 'create', 'create a key; the secret is printed once, alone on the last line')
    .addOption(new Option('--scope <scope...>', 'scopes').choices(['admin', 'read', 'agent']).default(['read']))
    .option('--name <name>', 'a label')
    .action(act('api-keys create', async (ctx, o: { scope: Array<'admin' | 'read' | 'agent'>; name?: string }) => {
      const k = await ctx.client.auth.createApiKey({ requestBody: { scopes: o.scope, name: o.name } });
      ctx.print(`${table(KEY_HEADERS, [keyRow(k)])}\n${k.key}`, k);
    }));
  sub(keys, 'revoke', 'revoke a key')
    .argument('<id>', 'key id')
    .action(act('api-keys revoke', async (ctx, id: string) => {
      await ctx.client.auth.revokeApiKey({ id });
      ctx.print(`revoked ${id}`, { id, revoked: true });
    }));

  return program;
}

/** Reads GET /v1/events (Server-Sent Events) with fetch, resuming with Last-Event-ID. */
async function streamEvents(ctx: Context, follow: boolean, idleMs: number): Promise<void> {
  let lastId: string | undefined;
  let attempt = 0;
  while (true) {
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    ctx.io.signal?.addEventListener('abort', onAbort, { once: true });
    let res: Response;
    try {
      res = await fetch(`${ctx.url}/v1/events`, { headers: { Accept: 'text/event-stream', ...ctx.authHeaders(), ...(lastId ? { 'Last-Event-ID': lastId } : {}) }, signal: abort.signal });
    } catch (err) {
      if (ctx.io.signal?.aborted) return;
      if (!follow || attempt >= 5) throw err;
      attempt += 1;
      await sleep(500 * 2 ** attempt, ctx.io.signal);
      continue;
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the message
      }
      throw new ApiError({ method: 'GET', url: '/v1/events' }, { url: res.url, ok: false, status: res.status, statusText: res.statusText, body }, res.statusText);
    }
    attempt = 0;
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    let buffer = '';
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      if (follow) return;
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), idleMs);
    };
    arm();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
          const ev = parseSse(block);
          if (!ev) continue;
          if (ev.id) lastId = ev.id;
          printEvent(ctx, ev);
          arm();
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      clearTimeout(idle);
      ctx.io.signal?.removeEventListener('abort', onAbort);
    }
    if (!follow || ctx.io.signal?.aborted) return;
  }
}

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** One SSE block -> event; comments and keep-alives give null. */
export function parseSse(block: string): SseEvent | null {
  const ev: SseEvent = { event: 'message', data: '' };
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'id') ev.id = value;
    else if (field === 'event') ev.event = value;
  }
  if (!data.length) return null;
  ev.data = data.join('\n');
  return ev;
}

function printEvent(ctx: Context, ev: SseEvent): void {
  let data: unknown = ev.data;
  try {
    data = JSON.parse(ev.data);
  } catch {
    // plain-text data stays as it is
  }
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ id: ev.id ?? null, event: ev.event, data }));
    return;
  }
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const at = typeof d.at === 'string' ? d.at : new Date().toISOString();
  const summary = typeof data === 'string' ? data : (d.summary ?? d.reason ?? JSON.stringify(data));
  ctx.io.out(`${at}  ${ev.event.padEnd(20)}  ${String(summary)}`);
}

/** Runs the CLI and resolves with its exit code (never calls process.exit). */
export async function run(argv: string[], io: Io): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exitCode 0; everything else commander rejects is usage.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return report(err, undefined, io);
  }
  return code;
}

/** Entry point of bin/headroom.js. */
export function main(): void {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  run(process.argv.slice(2), { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), env: process.env, signal: abort.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`headroom: ${String(err)}\n`);
      process.exitCode = ExitCode.ServerError;
    },
  );
}
