/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { AgentSettingsDto } from './AgentSettingsDto';
import type { ServiceConfigDto } from './ServiceConfigDto';
export type ConfigDocumentDto = {
    version: number;
    agentId?: string;
    generatedAt: string;
    settings: AgentSettingsDto;
    services: Array<ServiceConfigDto>;
};

