/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type UpdateWebhookDto = {
    url?: string;
    types?: Array<string>;
    enabled?: boolean;
};

