#!/usr/bin/env node
// `npx shopsense …` from the checkout. The CLI runs as one JavaScript file that esbuild bundles
// from apps/cli/src (packages stay in node_modules) into .cache/cli/: the first call builds it
// (about 0.1 s), and every call checks that each file it was built from is as it was then,
// rebuilding when one changed. So a call never compiles TypeScript file by file (half a second or
// more at every start through @swc-node/register), and an edit to the CLI or a library it uses
// is never run stale. Without esbuild (an install without dev dependencies), or where the bundle
// cannot be built or written, it runs the TypeScript as the services do.
'use strict';

const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'apps', 'cli', 'src', 'main.ts');
const bundle = join(root, '.cache', 'cli', 'shopsense.js');
/** What the bundle was built from: { inputs: { [path relative to the checkout]: mtimeMs } }. */
const manifest = `${bundle}.inputs.json`;
/** Read by esbuild besides the sources: the path aliases live in these. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.base.json'];

const mtimeOf = (file) => statSync(join(root, file)).mtimeMs;

function isCurrent() {
  let built;
  try {
    built = JSON.parse(readFileSync(manifest, 'utf8'));
    statSync(bundle);
    return Object.entries(built.inputs).every(([file, mtimeMs]) => mtimeOf(file) === mtimeMs);
  } catch {
    return false; // no bundle yet, or an input deleted or renamed
  }
}

/** Builds the bundle; false when esbuild is missing or the build cannot be done here. */
function build() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return false;
  }
  try {
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
      logLevel: 'silent',
    });
    const inputs = {};
    for (const file of [...Object.keys(result.metafile.inputs), ...CONFIG_FILES]) {
      const mtimeMs = mtimeOf(file);
      // Changed while esbuild read it (or within the file system's timestamp resolution of the
      // build): the bundle may hold the old text, so the next call builds again.
      inputs[file] = mtimeMs >= startedAt - 2_000 ? -1 : mtimeMs;
    }
    renameSync(temporary, bundle);
    writeFileSync(`${manifest}.${process.pid}`, JSON.stringify({ inputs }));
    renameSync(`${manifest}.${process.pid}`, manifest);
    return true;
  } catch {
    return false;
  }
}

if (isCurrent() || build()) {
  require(bundle);
} else {
  process.env.SWC_NODE_PROJECT ??= join(root, 'tsconfig.json');
  require('@swc-node/register');
  require(entry);
}
