/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ConfigAckResultDto = {
    accepted: boolean;
    /**
     * updates this ack moved forward
     */
    updateIds: Array<string>;
};

