export * from './config-document';
export * from './validate';
export * from './report';
export * from './report-codec';
