import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '../../..');

/** bin/shopsense.js in a checkout of its own, with a CLI that prints what its source says. */
function checkout(): { root: string; run: () => string; setMessage: (text: string) => void; bundleMtime: () => number } {
  const root = mkdtempSync(join(tmpdir(), 'shopsense-bin-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'apps/cli/src'), { recursive: true });
  mkdirSync(join(root, 'libs/message'), { recursive: true });
  copyFileSync(join(REPO, 'bin/shopsense.js'), join(root, 'bin/shopsense.js'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ extends: './tsconfig.base.json' }));
  writeFileSync(join(root, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@test/message': ['libs/message/index.ts'] } } }));
  writeFileSync(join(root, 'apps/cli/src/main.ts'), "import { message } from '@test/message';\nconst text: string = message;\nprocess.stdout.write(text);\n");
  const setMessage = (text: string) => writeFileSync(join(root, 'libs/message/index.ts'), `export const message = ${JSON.stringify(text)};\n`);
  /** Files written a minute ago: a build right after an edit is redone at the next call (the edit may have raced it). */
  const age = () => {
    const past = new Date(Date.now() - 60_000);
    for (const dir of ['', 'apps/cli/src', 'libs/message']) for (const name of readdirSync(join(root, dir))) if (name.endsWith('.ts') || name.endsWith('.json')) utimesSync(join(root, dir, name), past, past);
  };
  return {
    root,
    setMessage: (text: string) => {
      setMessage(text);
      age();
    },
    run: () => execFileSync(process.execPath, [join(root, 'bin/shopsense.js')], { encoding: 'utf8' }),
    bundleMtime: () => statSync(join(root, '.cache/cli/shopsense.js')).mtimeMs,
  };
}

describe('bin/shopsense.js', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('runs the CLI from a bundle, rebuilt when a file it was built from changes (a library through a path alias included)', () => {
    const cli = checkout();
    made.push(cli.root);
    cli.setMessage('first');
    expect(cli.run()).toBe('first');
    const built = cli.bundleMtime();

    expect(cli.run()).toBe('first');
    expect(cli.bundleMtime()).toBe(built); // nothing changed: not rebuilt

    cli.setMessage('second');
    expect(cli.run()).toBe('second');
    expect(cli.bundleMtime()).toBeGreaterThan(built);
  });
});
