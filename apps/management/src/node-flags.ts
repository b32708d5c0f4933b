/**
 * Node.js flags the management API runs with (`npm run management`, the demo; cluster workers
 * inherit the primary's). A larger young generation: ingest allocates a parse tree per report,
 * and with V8's default 16 MB semi-spaces scavenges cost ~11 % of the process's CPU per XML
 * report (bench:ingest, one process: 1,850 µs at 16 MB, 1,755 at 32, 1,643 at 64). It costs up
 * to ~100 MB more memory per process. Elsewhere: NODE_OPTIONS=--max-semi-space-size=64.
 */
export const MANAGEMENT_NODE_FLAGS = ['--max-semi-space-size=64'];
