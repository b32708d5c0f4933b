// Just the part of autocannon's API the demo uses (the package ships no types).
declare module 'autocannon' {
  import { EventEmitter } from 'node:events';
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    pipelining?: number;
    timeout?: number;
  }
  interface Instance extends EventEmitter {
    stop(): void;
  }
  function autocannon(opts: Options, cb?: (err: Error | null, result: unknown) => void): Instance;
  export = autocannon;
}
