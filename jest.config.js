// Unit tier: pure code, no servers. `npm run test:unit`.
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  displayName: 'unit',
  testMatch: ['<rootDir>/{apps,libs,services,tools}/**/*.spec.ts'],
};
