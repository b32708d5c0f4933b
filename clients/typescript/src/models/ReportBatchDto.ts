/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ReportDto } from './ReportDto';
export type ReportBatchDto = {
    reports: Array<ReportDto>;
};

