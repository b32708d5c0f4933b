/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { BackendConfigDto } from './BackendConfigDto';
import type { HealthCheckConfigDto } from './HealthCheckConfigDto';
import type { RouteMatchDto } from './RouteMatchDto';
export type ServiceConfigDto = {
    id: string;
    name: string;
    match: RouteMatchDto;
    algorithm: 'round_robin' | 'weighted_round_robin' | 'least_request';
    healthCheck: HealthCheckConfigDto;
    loadEndpoint?: string;
    backends: Array<BackendConfigDto>;
};

