/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export { HeadroomClient } from './HeadroomClient';

export { ApiError } from './core/ApiError';
export { BaseHttpRequest } from './core/BaseHttpRequest';
export { CancelablePromise, CancelError } from './core/CancelablePromise';
export { OpenAPI } from './core/OpenAPI';
export type { OpenAPIConfig } from './core/OpenAPI';

export type { AgentDto } from './models/AgentDto';
export type { AllocateDto } from './models/AllocateDto';
export type { ApiKeyDto } from './models/ApiKeyDto';
export type { AssignAgentDto } from './models/AssignAgentDto';
export type { AuditEntryDto } from './models/AuditEntryDto';
export type { CreateApiKeyDto } from './models/CreateApiKeyDto';
export type { CreatedApiKeyDto } from './models/CreatedApiKeyDto';
export type { CreateEnrolmentTokenDto } from './models/CreateEnrolmentTokenDto';
export type { CreateServerDto } from './models/CreateServerDto';
export type { CreateServiceDto } from './models/CreateServiceDto';
export type { DeallocateDto } from './models/DeallocateDto';
export type { EnrolAgentDto } from './models/EnrolAgentDto';
export type { EnrolledAgentDto } from './models/EnrolledAgentDto';
export type { EnrolmentTokenDto } from './models/EnrolmentTokenDto';
export type { FieldErrorDto } from './models/FieldErrorDto';
export type { HealthCheckDto } from './models/HealthCheckDto';
export type { HealthCheckViewDto } from './models/HealthCheckViewDto';
export type { HeartbeatDto } from './models/HeartbeatDto';
export type { MatchRuleDto } from './models/MatchRuleDto';
export type { PoolChangeDto } from './models/PoolChangeDto';
export type { PoolDto } from './models/PoolDto';
export type { PoolsDto } from './models/PoolsDto';
export type { ProblemDto } from './models/ProblemDto';
export type { QueueCountsDto } from './models/QueueCountsDto';
export type { ScalingBoundsDto } from './models/ScalingBoundsDto';
export type { ServerDto } from './models/ServerDto';
export type { ServerPageDto } from './models/ServerPageDto';
export type { ServiceDto } from './models/ServiceDto';
export type { ServicePageDto } from './models/ServicePageDto';
export type { TransitionServerDto } from './models/TransitionServerDto';
export type { UpdateServerDto } from './models/UpdateServerDto';
export type { UpdateServiceDto } from './models/UpdateServiceDto';

export { AgentsService } from './services/AgentsService';
export { AuditService } from './services/AuditService';
export { AuthService } from './services/AuthService';
export { HealthService } from './services/HealthService';
export { PoolsService } from './services/PoolsService';
export { QueuesService } from './services/QueuesService';
export { ServersService } from './services/ServersService';
export { ServicesService } from './services/ServicesService';
