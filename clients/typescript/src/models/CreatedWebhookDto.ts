/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CreatedWebhookDto = {
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
    /**
     * the HMAC-SHA256 key, shown once: X-Headroom-Signature = "sha256=" + hex(HMAC(secret, timestamp + "." + body))
     */
    secret: string;
};

