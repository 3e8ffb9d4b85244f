#!/usr/bin/env node
// Totals of jest --json result files, for scripts/test.sh.
//   test-summary.js --tier NAME FILE                  one tier's line (not a closing line)
//   test-summary.js --extra-failures N FILE...        the closing `N passed, N failed, N skipped`
//                                                     line; exits 1 when anything failed
// A suite that could not run (it threw while loading, a hook failed) counts as one failure, and
// so does each of the N failed steps that are not tests (type check, lint, set-up).
const { readFileSync } = require('node:fs');

function totals(file) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
    skipped: r.numPendingTests + r.numTodoTests,
    seconds: Math.round((Date.now() - r.startTime) / 1000),
  };
}

const args = process.argv.slice(2);
if (args[0] === '--tier') {
  const t = totals(args[2]);
  console.log(`-- ${args[1]} tier: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped, in ${t.seconds} s`);
} else if (args[0] === '--extra-failures') {
  const sum = { passed: 0, failed: Number(args[1]), skipped: 0 };
  for (const file of args.slice(2)) {
    const t = totals(file);
    sum.passed += t.passed;
    sum.failed += t.failed;
    sum.skipped += t.skipped;
  }
  console.log(`${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
  process.exit(sum.failed > 0 ? 1 : 0);
} else {
  console.error('usage: test-summary.js --tier NAME FILE | --extra-failures N FILE...');
  process.exit(2);
}
