#!/usr/bin/env node
// `npx shopsense …` from the checkout: runs the TypeScript CLI through the same loader as the
// services, with the checkout's tsconfig (path aliases) wherever it is called from.
const { join } = require('node:path');
process.env.SWC_NODE_PROJECT ??= join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../apps/cli/src/main.ts');
