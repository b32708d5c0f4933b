export * from './errors';
export * from './histogram';
export * from './safe-plain';
export * from './xml';
