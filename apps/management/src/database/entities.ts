import { Agent, AgentAssignment } from '../agents/agent.entity';
import { ScalingDecision } from '../analyser/decision.entity';
import { ScalingRecommendation } from '../analyser/recommendation.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { ApiKey, EnrolmentToken } from '../auth/api-key.entity';
import { HeadroomEvent, WebhookSubscription } from '../events/event.entity';
import { Server } from '../inventory/server.entity';
import { Service } from '../inventory/service.entity';
import { ScalingPolicy } from '../policies/policy.entity';
import { TELEMETRY_ENTITIES } from '../telemetry/telemetry.entities';
import { ConfigChange, ConfigRevision, Update, UpdateAgent } from '../updates/update.entity';

/** Every entity of the management API; later modules append theirs here. */
export const ENTITIES = [Server, Service, Agent, AgentAssignment, ApiKey, EnrolmentToken, AuditEntry, ConfigRevision, ConfigChange, Update, UpdateAgent, ...TELEMETRY_ENTITIES, ScalingPolicy, ScalingDecision, ScalingRecommendation, HeadroomEvent, WebhookSubscription];
