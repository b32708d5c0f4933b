/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CreateApiKeyDto = {
    scopes: Array<'admin' | 'read' | 'agent'>;
    name?: string;
};

