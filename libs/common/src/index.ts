export * from './config';
export * from './problem';
export * from './queues';
export * from './logger';
export * from './negotiate';
