/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type RouteMatchDto = {
    /**
     * exact host or a leading "*." wildcard
     */
    host?: string;
    pathPrefix?: string;
};

