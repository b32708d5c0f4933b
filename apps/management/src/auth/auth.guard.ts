import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../../../../libs/common/src/problem';
import type { Scope } from './api-key.entity';
import { AuthService } from './auth.service';
import { AGENT_SELF, Principal, PUBLIC_ROUTE, REQUIRED_SCOPES } from './principal';

export class ForbiddenError extends DomainError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

/**
 * Every route needs a bearer key unless marked @Public(). Without @Scopes(), reads need
 * `read` and writes need `admin`; `admin` satisfies every scope.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<{ method: string; headers: Record<string, string | undefined>; params: Record<string, string>; principal?: Principal }>();
    const header = req.headers.authorization;
    const token = header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
    const principal = await this.auth.authenticate(token);
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? (req.method === 'GET' || req.method === 'HEAD' ? ['read'] : ['admin']);
    if (principal.scopes.includes('admin')) return true;
    if (!required.some((s) => principal.scopes.includes(s))) {
      throw new ForbiddenError(`this call needs the scope ${required.join(' or ')}; the key has ${principal.scopes.join(', ') || 'none'}`);
    }
    if (principal.agentId && this.reflector.getAllAndOverride<boolean>(AGENT_SELF, targets) && req.params.id !== principal.agentId) {
      throw new ForbiddenError('an agent credential may act only for its own agent');
    }
    return true;
  }
}
