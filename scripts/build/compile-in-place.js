#!/usr/bin/env node
// Compiles the TypeScript under the given folders to JavaScript in place (foo.ts → foo.js beside
// it), with the transform @swc-node/register applies in development: decorators with their type
// metadata (NestJS injection reads it), the tsconfig's @shopsense/* paths turned into relative
// requires. The service image runs the result (deploy/docker/entrypoint.sh), so a pod that starts
// compiles nothing. Tests and test helpers are left out; a folder's .js files shadow its .ts ones
// for Node's resolution, which is why this refuses to write into a git checkout: run it in a copy
// (the image's build stage does).
//
//   node scripts/build/compile-in-place.js <root> <folder> [<folder> …]
//
// <root> holds tsconfig.base.json; folders are relative to it. Prints the count; exits 1 on the
// first file swc cannot compile, naming it.
'use strict';

const { existsSync, readdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const swc = require('@swc/core');

const SKIPPED = /(\.spec|\.integration-spec|\.e2e-spec|\.helm-spec|\.d)\.ts$/;
const SKIPPED_FOLDERS = new Set(['testing', 'node_modules', 'gen-test']);

function typescriptFiles(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) found.push(...typescriptFiles(path));
    } else if (entry.name.endsWith('.ts') && !SKIPPED.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

function main(argv) {
  const [root, ...folders] = argv;
  if (!root || folders.length === 0) throw new Error('usage: compile-in-place.js <root> <folder> [<folder> …]');
  if (existsSync(join(root, '.git'))) throw new Error(`${root} is a git checkout: compile a copy of it (this writes .js files beside the sources)`);
  const { compilerOptions } = require(join(root, 'tsconfig.base.json'));
  const options = {
    swcrc: false,
    sourceMaps: false,
    module: { type: 'commonjs' },
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: compilerOptions.target,
      baseUrl: root,
      paths: compilerOptions.paths,
    },
  };
  let count = 0;
  for (const folder of folders) {
    for (const file of typescriptFiles(join(root, folder))) {
      let code;
      try {
        ({ code } = swc.transformFileSync(file, { ...options, filename: file }));
      } catch (error) {
        throw new Error(`${relative(root, file)}: ${error.message}`);
      }
      writeFileSync(file.replace(/\.ts$/, '.js'), code);
      count++;
    }
  }
  process.stdout.write(`compiled ${count} files under ${folders.join(', ')}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`compile-in-place: ${error.message}\n`);
  process.exit(1);
}
