// The Helm chart's tier: `npm run helm:check` (scripts/helm/check.sh) lints and renders the
// chart, validates the manifests against the Kubernetes schemas, then runs these tests with
// SHOPSENSE_HELM_RENDERED pointing at the rendered objects and HELM_BIN at the helm CLI.
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  displayName: 'helm',
  testMatch: ['<rootDir>/test/helm/**/*.helm-spec.ts'],
  testTimeout: 120_000,
};
