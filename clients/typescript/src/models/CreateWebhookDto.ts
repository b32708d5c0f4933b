/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CreateWebhookDto = {
    url: string;
    /**
     * event types or `prefix.*`; empty or absent: all
     */
    types?: Array<string>;
    /**
     * only events of this service
     */
    serviceId?: string;
    /**
     * HMAC key; generated when absent
     */
    secret?: string;
};

