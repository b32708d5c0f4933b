// Two projects: unit specs next to the code (no I/O) and e2e specs under test/
// that talk to the real PostgreSQL and Redis. The summary reporter prints the
// plain "N passed, N failed" line CI reads.
const transform = { '^.+\\.ts$': ['@swc/jest'] };
module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, testMatch: ['<rootDir>/{apps,libs,scripts,cli}/**/*.spec.ts'] },
    {
      displayName: 'e2e', testEnvironment: 'node', transform,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 60000,
  // One suite at a time. Two at a time halved the run (~6.5 min) but made the scaling e2e take
  // a load step in two decisions (1 → 3 → 4) in two CI runs of five: the load generator and the
  // agent share the two cores with the other suite.
  maxWorkers: 1,
  // No forceExit: run in band, a handle a suite leaks (a socket, a timer, a server) keeps jest
  // alive after the summary. Find it with `npx jest <path> --detectOpenHandles` and close it in
  // the suite's afterAll.
};
