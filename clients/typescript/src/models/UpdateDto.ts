/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { TimelineEventDto } from './TimelineEventDto';
import type { UpdateAgentDto } from './UpdateAgentDto';
export type UpdateDto = {
    id: string;
    status: 'pending' | 'verifying' | 'retrying' | 'succeeded' | 'rolled_back' | 'failed';
    /**
     * the changes folded into this update
     */
    reason: string;
    attempt: number;
    addedServerIds: Array<string>;
    removedServerIds: Array<string>;
    error: string | null;
    changedAt: string;
    createdAt: string;
    deadline: string;
    finishedAt: string | null;
    agents: Array<UpdateAgentDto>;
    timeline: Array<TimelineEventDto>;
};

