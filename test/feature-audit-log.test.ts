// The audit trail of manual flag changes on a real Redis: one stream per flag, oldest first, Redis's clock, loud on foreign data.
import { RedisAuditLog, type AuditRecord } from '../flags/audit-log';
import { emptyGates } from '../flags/flag-gates';
import { useRedisServer } from './support/use-redis-server';

const suite = useRedisServer();

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    flag: 'audited_flag',
    env: 'production',
    action: 'set',
    by: 'alice',
    command: 'feature set audited_flag true',
    before: null,
    after: { ...emptyGates(), boolean: true },
    rollout: 'none',
    forced: false,
    ...overrides,
  };
}

describe('RedisAuditLog', () => {
  it('appends to <prefix>:audit:<flag> and reads the latest entries oldest first, with the time Redis gave them', async () => {
    const log = new RedisAuditLog(suite.redis, { prefix: 'audit-test' });
    const [serverSeconds] = await suite.redis.time();
    const first = await log.append(record());
    const second = await log.append(record({ env: 'dev', by: 'bob', before: { ...emptyGates(), boolean: true }, after: null, action: 'delete', command: 'feature delete audited_flag --dev', rollout: 'running', forced: true }));
    await log.append(record({ flag: 'other_flag', command: 'feature set other_flag true' }));

    expect(log.streamKey('audited_flag')).toBe('audit-test:audit:audited_flag');
    expect(await suite.redis.xlen('audit-test:audit:audited_flag')).toBe(2);
    expect(Date.parse(first.at) / 1000).toBeGreaterThanOrEqual(Number(serverSeconds));
    expect(await log.latest('audited_flag', 10)).toEqual([first, second]);
    expect(await log.latest('audited_flag', 1)).toEqual([second]);
    expect(second).toMatchObject({ env: 'dev', action: 'delete', by: 'bob', before: { boolean: true }, after: null, rollout: 'running', forced: true });
    expect(await log.latest('never_changed', 5)).toEqual([]);
  });

  it('keeps about maxEntriesPerFlag entries per flag', async () => {
    const log = new RedisAuditLog(suite.redis, { prefix: 'audit-trim', maxEntriesPerFlag: 1 });
    for (let i = 0; i < 300; i++) await log.append(record({ command: `feature set audited_flag true # ${i}` }));
    // Approximate trimming (MAXLEN ~) drops whole stream nodes (100 entries by default), never the newest.
    expect(await suite.redis.xlen('audit-trim:audit:audited_flag')).toBeLessThan(300);
    expect((await log.latest('audited_flag', 1))[0]?.command).toBe('feature set audited_flag true # 299');
  });

  it('refuses bad flag names and environments, and entries it did not write', async () => {
    const log = new RedisAuditLog(suite.redis, { prefix: 'audit-bad' });
    await expect(log.append(record({ flag: 'Bad-Flag' }))).rejects.toThrow(/^Invalid flag name "Bad-Flag"/);
    await expect(log.append(record({ env: 'pre' as never }))).rejects.toThrow(/^Unknown environment "pre"/);
    await expect(log.latest('Bad-Flag', 1)).rejects.toThrow(/^Invalid flag name/);
    await expect(log.latest('audited_flag', 0)).rejects.toThrow('audit entries: limit must be a positive integer, got 0');

    await suite.redis.xadd('audit-bad:audit:foreign_flag', '*', 'flag', 'foreign_flag', 'env', 'production');
    await expect(log.latest('foreign_flag', 1)).rejects.toThrow(/^Redis stream audit-bad:audit:foreign_flag entry \d+-\d+ is not an audit entry: it has no field action/);
  });
});
