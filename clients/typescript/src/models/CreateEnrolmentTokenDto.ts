/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CreateEnrolmentTokenDto = {
    name?: string;
    ttlSeconds?: number;
    /**
     * how many agents may enrol with it (unlimited until expiry when absent)
     */
    maxUses?: number;
};

