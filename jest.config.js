// Two projects run by the one test command: unit tests sit next to the code they test;
// integration and end-to-end tests (test/integration, test/e2e) run against a real kube-apiserver
// started once per run.
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
      testMatch: [
        '<rootDir>/{api,client,common,crds,runtime,oci,log-store,operator,agents,node,cli,local,images,bench}/**/*.test.ts',
      ],
    },
    {
      ...tsJest,
      displayName: 'integration',
      // test/e2e: whole labs (qemu nodes) on the same control plane.
      testMatch: ['<rootDir>/test/{integration,e2e}/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
