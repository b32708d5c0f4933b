/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type EnrolmentTokenDto = {
    id: string;
    /**
     * the token itself; shown once, only its hash is stored
     */
    token: string;
    expiresAt: string;
    maxUses: number | null;
};

