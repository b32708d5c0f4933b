import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Scope } from './api-key.entity';

/** Who is calling: resolved by the auth guard from the bearer key. */
export interface Principal {
  keyId: string;
  scopes: Scope[];
  agentId: string | null;
  name: string;
}

/** What services need to know of a call: who made it and its request id (for the audit log). */
export interface CallContext {
  actor: string;
  requestId: string | null;
}

export const PUBLIC_ROUTE = 'headroom:public';
export const REQUIRED_SCOPES = 'headroom:scopes';
export const AGENT_SELF = 'headroom:agent-self';

/** No key needed (health probes, enrolment). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Any one of these scopes grants access; `admin` always does. */
export const Scopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);
/** An agent credential may call this route only for its own `:id`. */
export const AgentSelf = () => SetMetadata(AGENT_SELF, true);

export function actorOf(p: Principal | undefined): string {
  if (!p) return 'anonymous';
  return p.agentId ? `agent:${p.agentId}` : `key:${p.name}`;
}

export const Ctx = createParamDecorator((_data: unknown, ctx: ExecutionContext): CallContext => {
  const req = ctx.switchToHttp().getRequest<{ principal?: Principal; id?: string }>();
  return { actor: actorOf(req.principal), requestId: req.id ? String(req.id) : null };
});

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal | undefined => {
  return ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
});
