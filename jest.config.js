// Jest set-up: TypeScript through SWC, tests under test/, real servers started per suite.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 120000,
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.js',
};
