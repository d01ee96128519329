// The rollout CLI's --address, --namespace and --profile: shown in help, taken before or after the command, checked before anything connects.
import { runCli } from '../client/cli';
import { loadConfig } from '../config/load-config';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) }, loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
  return { code, stdout, stderr };
}

it('--help lists them as options of rollout and as global options of each command', async () => {
  const top = await cli('--help');
  expect(top.code).toBe(0);
  for (const option of ['--address <host:port>', '--namespace <namespace>', '--profile <name>']) expect(top.stdout).toContain(option);
  expect(top.stdout).toContain('flags win over TEMPORAL_* variables, which win over the profile');
  const list = await cli('list', '--help');
  expect(list.stdout).toMatch(/Global Options:\n\s+--address <host:port>\s+Temporal frontend/);
});

it('takes them after the command too, and checks them before connecting', async () => {
  for (const argv of [['list', '--address', 'temporal'], ['--address', 'temporal', 'status', 'some_flag']]) {
    const out = await cli(...argv);
    expect(out).toMatchObject({ code: 2, stdout: '' });
    expect(out.stderr).toContain('error: --address "temporal": must be host:port, e.g. localhost:7233');
  }
  expect((await cli('watch', 'some_flag', '--namespace', '')).stderr).toContain('--namespace "": must be a namespace name');
});

it('leaves `feature set --namespace` to GitLab namespaces: the Temporal one goes before the command', async () => {
  const help = await cli('feature', 'set', '--help');
  expect(help.stdout).toMatch(/Options:[\s\S]*--namespace <names>\s+with true: add actor gates for these\s+namespace paths[\s\S]*Global Options:[\s\S]*--namespace <namespace>\s+Temporal namespace/);
});
