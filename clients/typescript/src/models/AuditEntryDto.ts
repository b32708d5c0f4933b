/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type AuditEntryDto = {
    id: string;
    at: string;
    actor: string;
    action: string;
    targetType: string;
    targetId: string | null;
    before: Record<string, any> | null;
    after: Record<string, any> | null;
    requestId: string | null;
};

