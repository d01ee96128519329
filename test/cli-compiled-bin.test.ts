// bin/rollout.js runs the compiled CLI in dist/ while it matches the sources, else the TypeScript through tsx with a note.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], cwd = ROOT): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('bin/rollout.js in a project of its own', () => {
  // A copy of bin/ over a tiny "project" whose compiled and TypeScript entry points say which one ran.
  let project: string;
  const BUILT = new Date('2026-01-01T12:00:00Z');
  const before = new Date(BUILT.getTime() - 60_000);
  const after = new Date(BUILT.getTime() + 60_000);

  const write = (path: string, text: string, time: Date) => {
    const file = join(project, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    utimesSync(file, time, time);
  };
  const touch = (path: string, time: Date) => utimesSync(join(project, path), time, time);

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'rollout-bin-'));
    mkdirSync(join(project, 'bin'));
    for (const file of ['rollout.js', 'compiled-cli.js']) copyFileSync(join(ROOT, 'bin', file), join(project, 'bin', file));
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
    write('client/main.ts', "const args: string[] = process.argv.slice(2);\nconsole.log(`tsx ${args.join(' ')}`);\n", before);
    write('client/cli.ts', 'export {};\n', before);
    write('tsconfig.json', '{}\n', before);
    write('tsconfig.build.json', '{}\n', before);
    write('dist/client/main.js', "console.log(`compiled ${process.argv.slice(2).join(' ')}`);\n", BUILT);
    write('dist/client/cli.js', '', BUILT);
    write('dist/.build-stamp', '', BUILT);
  });

  // rmSync removes the node_modules link, not what it points at.
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('runs dist/client/main.js, with the arguments, when no source changed since the build', async () => {
    expect(await node([join(project, 'bin', 'rollout.js'), 'status', 'my_flag'])).toEqual({ code: 0, stdout: 'compiled status my_flag\n', stderr: '' });
    expect(await node([join(project, 'bin', 'compiled-cli.js')])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('runs the TypeScript through tsx, saying why on stderr, once a compiled file’s source changed', async () => {
    touch('client/cli.ts', after);
    const out = await node([join(project, 'bin', 'rollout.js'), 'status', 'my_flag']);
    expect(out).toMatchObject({ code: 0, stdout: 'tsx status my_flag\n' });
    expect(out.stderr).toBe('rollout: client/cli.ts changed since dist/ was built; running the TypeScript through tsx (slower; `npm run bootstrap` rebuilds dist/)\n');
    // What the bootstrap asks before it rebuilds.
    expect(await node([join(project, 'bin', 'compiled-cli.js')])).toEqual({ code: 1, stdout: 'client/cli.ts changed since dist/ was built\n', stderr: '' });
  });

  it('counts a changed tsconfig, and a missing stamp (no clean build), as out of date; a deleted source does not matter', async () => {
    touch('tsconfig.build.json', after);
    expect((await node([join(project, 'bin', 'rollout.js')])).stderr).toMatch(/^rollout: tsconfig\.build\.json changed since dist\/ was built;/);
    touch('tsconfig.build.json', before);
    write('dist/client/gone.js', '', BUILT); // compiled from a source since deleted
    expect(await node([join(project, 'bin', 'rollout.js')])).toMatchObject({ stdout: 'compiled \n', stderr: '' });
    // A stamp from before the sources were last saved: that build did not see them.
    write('dist/.build-stamp', '', new Date(before.getTime() - 60_000));
    expect((await node([join(project, 'bin', 'rollout.js')])).stderr).toMatch(/^rollout: tsconfig\.json changed since dist\/ was built;/);
    rmSync(join(project, 'dist', '.build-stamp'));
    expect((await node([join(project, 'bin', 'rollout.js')])).stderr).toMatch(/^rollout: dist\/ has not been built;/);
  });
});

describe('the compiled CLI of this repository (built by scripts/bootstrap.sh)', () => {
  const main = join(ROOT, 'dist', 'client', 'main.js');

  beforeAll(() => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run bootstrap\` (npm test does) to compile the CLI`);
  });

  it('prints the same help as the TypeScript CLI', async () => {
    const compiled = await node([main, '--help']);
    const typescript = await node(['--require', 'tsx/cjs', join(ROOT, 'client', 'main.ts'), '--help']);
    expect(compiled).toMatchObject({ code: 0, stderr: '' });
    expect(compiled.stdout).toMatch(/^Usage: rollout \[options\] \[command\]/);
    expect(compiled.stdout).toBe(typescript.stdout);
  });

  it('loads a command’s modules when it runs: keys generate, then keys check reads the keyring (YAML) it names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-compiled-keys-'));
    const generated = await node([main, 'keys', 'generate', '--name', 'alice', '--dir', dir]);
    expect(generated.code).toBe(0);
    const publicKey = generated.stdout.trim();
    expect(publicKey).toMatch(/^ed25519:/);
    const keyring = join(dir, 'keyring.yaml');
    writeFileSync(keyring, `keys:\n  alice: "${publicKey}"\n`);
    expect(await node([main, 'keys', 'check', keyring])).toEqual({ code: 0, stdout: `alice: ${publicKey}\n`, stderr: '' });
    expect(readFileSync(join(dir, 'alice.pub'), 'utf8')).toContain(publicKey);
    rmSync(dir, { recursive: true, force: true });
  });
});
