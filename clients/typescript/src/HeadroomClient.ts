/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { BaseHttpRequest } from './core/BaseHttpRequest';
import type { OpenAPIConfig } from './core/OpenAPI';
import { FetchHttpRequest } from './core/FetchHttpRequest';
import { AgentsService } from './services/AgentsService';
import { AuditService } from './services/AuditService';
import { AuthService } from './services/AuthService';
import { CapabilitiesService } from './services/CapabilitiesService';
import { DecisionsService } from './services/DecisionsService';
import { EventsService } from './services/EventsService';
import { HealthService } from './services/HealthService';
import { PoliciesService } from './services/PoliciesService';
import { PoolsService } from './services/PoolsService';
import { QueuesService } from './services/QueuesService';
import { ServersService } from './services/ServersService';
import { ServicesService } from './services/ServicesService';
import { TelemetryService } from './services/TelemetryService';
import { UpdatesService } from './services/UpdatesService';
type HttpRequestConstructor = new (config: OpenAPIConfig) => BaseHttpRequest;
export class HeadroomClient {
    public readonly agents: AgentsService;
    public readonly audit: AuditService;
    public readonly auth: AuthService;
    public readonly capabilities: CapabilitiesService;
    public readonly decisions: DecisionsService;
    public readonly events: EventsService;
    public readonly health: HealthService;
    public readonly policies: PoliciesService;
    public readonly pools: PoolsService;
    public readonly queues: QueuesService;
    public readonly servers: ServersService;
    public readonly services: ServicesService;
    public readonly telemetry: TelemetryService;
    public readonly updates: UpdatesService;
    public readonly request: BaseHttpRequest;
    constructor(config?: Partial<OpenAPIConfig>, HttpRequest: HttpRequestConstructor = FetchHttpRequest) {
        this.request = new HttpRequest({
            BASE: config?.BASE ?? 'http://localhost:8080',
            VERSION: config?.VERSION ?? '0.1.0',
            WITH_CREDENTIALS: config?.WITH_CREDENTIALS ?? false,
            CREDENTIALS: config?.CREDENTIALS ?? 'include',
            TOKEN: config?.TOKEN,
            USERNAME: config?.USERNAME,
            PASSWORD: config?.PASSWORD,
            HEADERS: config?.HEADERS,
            ENCODE_PATH: config?.ENCODE_PATH,
        });
        this.agents = new AgentsService(this.request);
        this.audit = new AuditService(this.request);
        this.auth = new AuthService(this.request);
        this.capabilities = new CapabilitiesService(this.request);
        this.decisions = new DecisionsService(this.request);
        this.events = new EventsService(this.request);
        this.health = new HealthService(this.request);
        this.policies = new PoliciesService(this.request);
        this.pools = new PoolsService(this.request);
        this.queues = new QueuesService(this.request);
        this.servers = new ServersService(this.request);
        this.services = new ServicesService(this.request);
        this.telemetry = new TelemetryService(this.request);
        this.updates = new UpdatesService(this.request);
    }
}

