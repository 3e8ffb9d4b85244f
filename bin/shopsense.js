#!/usr/bin/env node
// `npx shopsense …` from the checkout. The CLI runs as one JavaScript file that esbuild bundles
// from apps/cli/src (packages stay in node_modules) into .cache/cli/: the first call builds it
// (about 0.1 s) and every call checks that no file it was built from changed since, rebuilding
// when one did. So a call never compiles TypeScript file by file (half a second or more at every
// start through @swc-node/register), and an edit to the CLI or a library it uses is never run stale.
// Without esbuild (an install without dev dependencies) it runs the TypeScript as the services do.
'use strict';

const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'apps', 'cli', 'src', 'main.ts');
const bundle = join(root, '.cache', 'cli', 'shopsense.js');
/** What the bundle was built from: { startedAt (ms), inputs (paths relative to the checkout) }. */
const manifest = `${bundle}.inputs.json`;

function isCurrent() {
  let built;
  try {
    built = JSON.parse(readFileSync(manifest, 'utf8'));
    statSync(bundle);
  } catch {
    return false;
  }
  // A file changed after the build started may not be in the bundle: compare with the start.
  for (const input of built.inputs) {
    try {
      if (statSync(join(root, input)).mtimeMs >= built.startedAt) return false;
    } catch {
      return false; // deleted or renamed
    }
  }
  return true;
}

/** Builds the bundle; false when esbuild is not installed. */
function build() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return false;
  }
  const startedAt = Date.now();
  mkdirSync(join(root, '.cache', 'cli'), { recursive: true });
  // Unique names, then renames: two calls building at once each leave a whole bundle.
  const temporary = `${bundle}.${process.pid}`;
  const result = esbuild.buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    tsconfig: join(root, 'tsconfig.json'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    outfile: temporary,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = [...Object.keys(result.metafile.inputs), 'tsconfig.json'];
  renameSync(temporary, bundle);
  writeFileSync(`${manifest}.${process.pid}`, JSON.stringify({ startedAt, inputs }));
  renameSync(`${manifest}.${process.pid}`, manifest);
  return true;
}

if (isCurrent() || build()) {
  require(bundle);
} else {
  process.env.SWC_NODE_PROJECT ??= join(root, 'tsconfig.json');
  require('@swc-node/register');
  require(entry);
}
