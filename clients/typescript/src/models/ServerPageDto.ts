/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ServerDto } from './ServerDto';
export type ServerPageDto = {
    items: Array<ServerDto>;
    /**
     * pass as `cursor` for the next page; null on the last page
     */
    nextCursor: string | null;
};

