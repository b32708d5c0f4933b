/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { PoolDto } from './PoolDto';
export type PoolsDto = {
    free: PoolDto;
    services: Array<PoolDto>;
};

