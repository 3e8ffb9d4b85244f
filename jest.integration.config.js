// Integration and end-to-end tiers: real Kafka, Redis, gRPC servers and the ONNX model, as
// started by deploy/local/up.sh. Run in band: the 2-core machines these run on are shared
// with the broker.
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  displayName: 'integration',
  testMatch: ['<rootDir>/{apps,libs,services}/**/*.integration-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 120_000,
  globalSetup: '<rootDir>/libs/testing/src/integration-global-setup.js',
};
