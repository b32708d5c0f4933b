/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ServiceDto } from './ServiceDto';
export type ServicePageDto = {
    items: Array<ServiceDto>;
    nextCursor: string | null;
};

