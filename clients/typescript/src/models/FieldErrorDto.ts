/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type FieldErrorDto = {
    field: string;
    messages: Array<string>;
};

