// Two projects run by the one test command: unit tests sit next to the code they test;
// integration tests (test/integration) run against a real kube-apiserver started once per run.
const tsJest = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testEnvironment: 'node',
};

export default {
  // A global option (projects cannot set it): integration tests wait on real servers.
  testTimeout: 60000,
  projects: [
    {
      ...tsJest,
      displayName: 'unit',
      testMatch: ['<rootDir>/{api,common,crds,operator,agents,node,cli,local,bench}/**/*.test.ts'],
    },
    {
      ...tsJest,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
