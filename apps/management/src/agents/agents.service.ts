import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { ConflictError, NotFoundError } from '../../../../libs/common/src/problem';
import { AuditService } from '../audit/audit.service';
import { ChangeBus } from '../common/change-bus';
import { AuthService } from '../auth/auth.service';
import type { CallContext } from '../auth/principal';
import { Service } from '../inventory/service.entity';
import { UpdatesService } from '../updates/updates.service';
import { Agent, AgentAssignment } from './agent.entity';
import { AgentDto, AgentStatus, EnrolAgentDto, HeartbeatDto } from './agents.dto';

@Injectable()
export class AgentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly bus: ChangeBus,
    private readonly updates: UpdatesService,
  ) {}

  /** Trades an enrolment token for an agent id and its own credential, in one transaction. */
  async enrolAgent(dto: EnrolAgentDto, requestId: string | null): Promise<{ agent: Agent; credential: string }> {
    const out = await this.db.transaction(async (m) => {
      const token = await this.auth.consumeEnrolmentToken(m, dto.token);
      const agent = await m.getRepository(Agent).save(m.getRepository(Agent).create({ name: dto.name, enrolmentTokenId: token.id, softwareVersion: dto.softwareVersion ?? null, lastSeenAt: new Date() }));
      const ctx: CallContext = { actor: `enrolment-token:${token.id}`, requestId };
      const { token: credential } = await this.auth.createApiKey(['agent'], `agent ${dto.name}`, ctx, m, agent.id);
      await this.audit.record(m, ctx, 'agent.enrol', 'agent', agent.id, null, { name: agent.name });
      return { agent, credential };
    });
    await this.bus.emit({ reason: 'agent enrolled', agentIds: [out.agent.id] });
    return out;
  }

  async recordHeartbeat(id: string, dto: HeartbeatDto): Promise<AgentDto> {
    const agent = await this.findAgent(id);
    agent.lastSeenAt = new Date();
    if (dto.softwareVersion !== undefined) agent.softwareVersion = dto.softwareVersion;
    if (dto.address !== undefined) agent.address = dto.address;
    await this.db.getRepository(Agent).update({ id }, { lastSeenAt: agent.lastSeenAt, softwareVersion: agent.softwareVersion, address: agent.address });
    if (dto.configVersion !== undefined && (agent.appliedVersion === null || dto.configVersion > agent.appliedVersion)) {
      // An ack lost while the API was unreachable: the heartbeat says which revision the agent serves.
      await this.updates.recordAck(id, { version: dto.configVersion, status: 'applied' }).catch(() => undefined);
    }
    return this.getAgent(id);
  }

  async listAgents(status?: AgentStatus): Promise<AgentDto[]> {
    const agents = await this.db.getRepository(Agent).createQueryBuilder('a').where('a.revokedAt IS NULL').orderBy('a.enrolledAt').addOrderBy('a.id').getMany();
    const assignments = await this.assignmentsOf(agents.map((a) => a.id));
    const convergence = await this.updates.convergence(agents.map((a) => a.id));
    const all = agents.map((a) => this.toDto(a, assignments, convergence));
    return status ? all.filter((a) => a.status === status) : all;
  }

  async getAgent(id: string): Promise<AgentDto> {
    return this.toDto(await this.findAgent(id), await this.assignmentsOf([id]), await this.updates.convergence([id]));
  }

  async assignAgent(id: string, serviceId: string, ctx: CallContext): Promise<AgentDto> {
    await this.db.transaction(async (m) => {
      await this.findAgent(id);
      if (!(await m.getRepository(Service).existsBy({ id: serviceId }))) throw new NotFoundError('Service', serviceId);
      if (await m.getRepository(AgentAssignment).existsBy({ agentId: id, serviceId })) return;
      await m.getRepository(AgentAssignment).insert({ agentId: id, serviceId });
      await this.audit.record(m, ctx, 'agent.assign', 'agent', id, null, { serviceId });
    });
    await this.bus.emit({ reason: 'agent assigned', agentIds: [id], serviceIds: [serviceId] });
    return this.getAgent(id);
  }

  async unassignAgent(id: string, serviceId: string, ctx: CallContext): Promise<AgentDto> {
    await this.db.transaction(async (m) => {
      await this.findAgent(id);
      const res = await m.getRepository(AgentAssignment).delete({ agentId: id, serviceId });
      if (!res.affected) throw new ConflictError('not-assigned', 'Not assigned', `agent ${id} is not assigned to service ${serviceId}`);
      await this.audit.record(m, ctx, 'agent.unassign', 'agent', id, { serviceId }, null);
    });
    await this.bus.emit({ reason: 'agent unassigned', agentIds: [id], serviceIds: [serviceId] });
    return this.getAgent(id);
  }

  /** Revokes an agent and its credential. */
  async revokeAgent(id: string, ctx: CallContext): Promise<void> {
    await this.db.transaction(async (m) => {
      const agent = await this.findAgent(id);
      await m.getRepository(Agent).update({ id }, { revokedAt: new Date() });
      await m.query(`UPDATE api_key SET revoked_at = now() WHERE agent_id = $1 AND revoked_at IS NULL`, [id]);
      await this.audit.record(m, ctx, 'agent.revoke', 'agent', id, { name: agent.name }, null);
    });
    this.auth.forget((p) => p.agentId === id);
    await this.bus.emit({ reason: 'agent revoked', agentIds: [id] });
  }

  statusOf(lastSeenAt: Date | null, now = Date.now()): AgentStatus {
    if (!lastSeenAt) return 'offline';
    const age = (now - lastSeenAt.getTime()) / 1000;
    if (age <= this.config.AGENT_ONLINE_SECONDS) return 'online';
    if (age <= this.config.AGENT_OFFLINE_SECONDS) return 'stale';
    return 'offline';
  }

  private async findAgent(id: string): Promise<Agent> {
    const agent = await this.db.getRepository(Agent).findOne({ where: { id } });
    if (!agent || agent.revokedAt) throw new NotFoundError('Agent', id);
    return agent;
  }

  private async assignmentsOf(ids: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (!ids.length) return map;
    const rows = await this.db.getRepository(AgentAssignment).createQueryBuilder('x').where('x.agentId IN (:...ids)', { ids }).orderBy('x.assignedAt').getMany();
    for (const r of rows) map.set(r.agentId, [...(map.get(r.agentId) ?? []), r.serviceId]);
    return map;
  }

  private toDto(a: Agent, assignments: Map<string, string[]>, convergence: Map<string, { latestVersion: number | null; behindSince: Date | null }>): AgentDto {
    const c = convergence.get(a.id);
    const latest = c?.latestVersion ?? null;
    return {
      configVersion: a.appliedVersion, latestVersion: latest, revisionsBehind: latest === null ? 0 : Math.max(0, latest - (a.appliedVersion ?? 0)),
      behindForSeconds: c?.behindSince && latest !== null && latest > (a.appliedVersion ?? 0) ? Math.round((Date.now() - c.behindSince.getTime()) / 1000) : null,
      rejectedVersion: a.rejectedVersion, rejectedError: a.rejectedError,
      id: a.id, name: a.name, status: this.statusOf(a.lastSeenAt), lastSeenAt: a.lastSeenAt?.toISOString() ?? null, enrolledAt: a.enrolledAt.toISOString(),
      softwareVersion: a.softwareVersion, address: a.address, serviceIds: assignments.get(a.id) ?? [],
    };
  }
}
