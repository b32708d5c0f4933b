/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CreatedApiKeyDto = {
    id: string;
    scopes: Array<'admin' | 'read' | 'agent'>;
    name: string | null;
    agentId: string | null;
    createdAt: string;
    lastUsedAt: string | null;
    /**
     * the key itself; shown once, only its hash is stored
     */
    key: string;
};

