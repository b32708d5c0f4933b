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
  // Two suites at a time on the 2-core CI machine: the long e2e suites (a 2-minute steady load,
  // a 60 s outage, 60 s of two replicas) mostly wait, and one at a time took the run past 13 min.
  maxWorkers: 2,
};
