/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type MatchRuleDto = {
    /**
     * exact host, or a leading "*." wildcard
     */
    host?: string;
    /**
     * path prefix, starting with "/"
     */
    pathPrefix?: string;
};

