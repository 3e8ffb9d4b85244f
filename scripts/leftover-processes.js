#!/usr/bin/env node
// leftover-processes.js MARK: the processes still alive that carry SHOPSENSE_TEST_RUN=MARK in
// their environment, i.e. that a test run started (scripts/test.sh exports the mark before it
// starts anything) and did not stop. Gives them a few seconds to finish exiting, then names
// them, kills them and exits 1; exits 0 when there are none.
const { readdirSync, readFileSync } = require('node:fs');

const mark = `SHOPSENSE_TEST_RUN=${process.argv[2]}`;
const GRACE_MS = 15_000;

function marked() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
      if (state !== 'Z') found.push({ pid, command }); // a zombie has exited already
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function main() {
  if (!process.argv[2]) throw new Error('usage: leftover-processes.js MARK');
  const deadline = Date.now() + GRACE_MS;
  let left = marked();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    left = marked();
  }
  if (left.length === 0) return 0;
  console.log(`!! ${left.length} process(es) started by this test run are still running; killing them:`);
  for (const { pid, command } of left) {
    console.log(`   pid ${pid}: ${command.slice(0, 300)}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return 1;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error.message);
  process.exit(2);
});
