/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type TransitionServerDto = {
    /**
     * the state to move to; only legal transitions succeed
     */
    state: 'free' | 'allocating' | 'allocated' | 'draining' | 'quarantined' | 'retired';
    reason?: string;
};

