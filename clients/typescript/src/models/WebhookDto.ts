/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type WebhookDto = {
    id: string;
    url: string;
    types: Array<string>;
    serviceId: string | null;
    enabled: boolean;
    createdAt: string;
    lastDeliveryAt: string | null;
    /**
     * HTTP status of the last attempt
     */
    lastStatus: number | null;
    lastError: string | null;
};

