export * from './config-document';
export * from './validate';
