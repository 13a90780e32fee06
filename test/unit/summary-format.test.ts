import { describe, expect, it } from 'vitest';
import { optionsToText } from '../../adapters/discord/to-invocation.ts';
import { commands } from '../../commands/index.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import { describeSchedules } from '../../src/schedule/describe-schedules.ts';
import { SUMMARY_TEXT_MAX, formatSummary } from '../../src/schedule/format-summary.ts';
import type { AppEnvState } from '../../src/schedule/gather-summary.ts';
import type { Release } from '../../src/store/release-store.ts';

const now = new Date('2026-12-03T07:00:00Z');
const release = (app: string, number: number, outcome: Release['outcome'], at: string, extra: Partial<Release> = {}): Release => ({
  app,
  env: 'production',
  number,
  artifact: 'sha256:abc',
  deployedBy: 'alice',
  at,
  outcome,
  jobId: `${app}-${number}`,
  ...extra,
});
const row = (app: string, extra: Partial<AppEnvState> = {}): AppEnvState => {
  const live = release(app, 1, 'live', '2026-12-01T07:00:00Z');
  return { app, env: 'production', live, last: live, healthy: 2, running: 2, desired: 2, failed: [], ...extra };
};

describe('the summary text', () => {
  it('says "all N healthy" when nothing needs a person', () => {
    const { result } = formatSummary(
      { schedule: 'morning', since: '2026-12-02T07:00:00Z', rows: [row('a'), row('b')], releases: [], otherFailures: [] },
      now,
    );
    expect(result.title).toBe('morning summary: all 2 healthy');
    expect(result.attention).toBeUndefined();
    expect(result.text).toContain('Since 2026-12-02 07:00Z: no changes');
    expect(result.text).toContain('a (production): v1 live 2d; 2/2 healthy; last deploy v1 by alice 2d ago, live');
  });

  it('puts apps that need attention first, names why, and lists the changes above', () => {
    const failed = release('web', 2, 'failed', '2026-12-03T06:00:00Z', { deployedBy: 'bob' });
    const rows = [
      row('api'),
      row('web', {
        last: failed,
        healthy: 1,
        running: 1,
        lock: { app: 'web', env: 'production', by: { id: 'u', name: 'carol' }, since: '', reason: 'freeze' },
      }),
    ];
    const { result, details } = formatSummary(
      {
        schedule: 'morning',
        since: '2026-12-02T07:00:00Z',
        rows,
        releases: [failed],
        otherFailures: [{ id: 'j', command: 'scale api 3', app: 'api', env: 'production', by: 'dan', at: '2026-12-03T06:30:00Z' }],
      },
      now,
    );
    expect(result.title).toBe('morning summary: 1 needs attention, 1 healthy');
    // Its parent is marked for a look (⚠), not as all well.
    expect(result.attention).toBe(true);
    const lines = result.text!.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Since 2026-12-02 07:00Z: 2 changes',
      'web (production) v2 deploy by bob 1h ago: failed',
      'scale api 3 (production) by dan 30m ago: failed',
    ]);
    expect(lines[4]).toBe(
      '[!] web (production): v1 live 2d; 1/2 healthy; locked by carol (freeze); last deploy v2 by bob 1h ago, failed -- last deploy v2 failed, 1/2 healthy, drift: 1 running, 2 desired',
    );
    expect(lines[5]).toMatch(/^api \(production\)/);
    expect(details).toContain('change: web (production) v2 deploy by bob 1h ago: failed');
  });

  it('says what each change redeployed: a rollback, a promote, a restart', () => {
    const changes = [
      release('web', 3, 'live', '2026-12-03T04:00:00Z', { rollbackOf: 1 }),
      release('web', 4, 'live', '2026-12-03T05:00:00Z', { promotedFrom: { env: 'staging', number: 2 } }),
      release('web', 5, 'live', '2026-12-03T06:00:00Z', { restartOf: 4 }),
    ];
    const { result } = formatSummary(
      { schedule: 'morning', since: '2026-12-02T07:00:00Z', rows: [row('web')], releases: changes, otherFailures: [] },
      now,
    );
    expect(result.text!.split('\n').slice(0, 4)).toEqual([
      'Since 2026-12-02 07:00Z: 3 changes',
      'web (production) v3 rollback to v1 by alice 3h ago: live',
      'web (production) v4 promote from staging by alice 2h ago: live',
      'web (production) v5 restart of v4 by alice 1h ago: live',
    ]);
  });

  it('names a burst in effect and counts its replicas as desired', () => {
    const burst = { add: 2, until: '2026-12-03T08:30:00.000Z', job: 'b' };
    const { result } = formatSummary(
      {
        schedule: 'm',
        since: now.toISOString(),
        rows: [row('web', { burst, desired: 4, healthy: 4, running: 4 })],
        releases: [],
        otherFailures: [],
      },
      now,
    );
    expect(result.title).toBe('m summary: all 1 healthy');
    expect(result.text).toContain('web (production): v1 live 2d; 4/4 healthy; burst +2 until 08:30Z; last deploy');
  });

  it('a burst still recorded a minute after its end (its scale-back did not run) needs attention', () => {
    const burst = { add: 2, until: '2026-12-03T06:59:00.000Z', job: 'b' };
    const state = (rows: AppEnvState[]) => ({ schedule: 'm', since: now.toISOString(), rows, releases: [], otherFailures: [] });
    const { result } = formatSummary(state([row('web', { burst, desired: 4, healthy: 4, running: 4 })]), now);
    expect(result.title).toBe('m summary: 1 needs attention');
    expect(result.text).toContain(
      '[!] web (production): v1 live 2d; 4/4 healthy; last deploy v1 by alice 2d ago, live -- burst +2 overdue since 06:59Z (its scale-back has not run)',
    );
    // Less than a minute past its end, it may just be on its way.
    const { result: onTime } = formatSummary(
      state([row('web', { burst, desired: 4, healthy: 4, running: 4 })]),
      new Date('2026-12-03T06:59:59Z'),
    );
    expect(onTime.title).toBe('m summary: all 1 healthy');
  });

  it('a crash-looping app needs attention for its restarts alone and comes first; decided approvals are changes', () => {
    const { result, details } = formatSummary(
      {
        schedule: 'm',
        since: '2026-12-02T07:00:00Z',
        rows: [row('api'), row('web', { restarts: 1 }), row('db', { restarts: 7 })],
        releases: [],
        otherFailures: [],
        approvals: [
          {
            state: 'approved',
            what: 'rollback web/production from v3 to v2',
            app: 'web',
            env: 'production',
            by: 'local:ben',
            at: '2026-12-03T05:00:00Z',
          },
          {
            state: 'expired',
            what: 'rollback api/production from v2 to v1',
            app: 'api',
            env: 'production',
            by: 'system:approvals',
            at: '2026-12-03T06:00:00Z',
          },
        ],
      },
      now,
    );
    expect(result.title).toBe('m summary: 2 need attention, 1 healthy');
    const lines = result.text!.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Since 2026-12-02 07:00Z: 2 changes',
      'approval: rollback web/production from v3 to v2 approved by local:ben 2h ago',
      'approval: rollback api/production from v2 to v1 expired 1h ago',
    ]);
    expect(lines[4]).toBe(
      '[!] web (production): v1 live 2d; 2/2 healthy; last deploy v1 by alice 2d ago, live -- 1 restart since the last summary',
    );
    expect(lines[5]).toMatch(/^\[!\] db \(production\): .* -- 7 restarts since the last summary$/);
    expect(lines[6]).toMatch(/^api \(production\)/);
    expect(details).toContain('change: approval: rollback api/production from v2 to v1 expired 1h ago');
  });

  it('keeps a 60-app fleet in one message within the limits; every app is in the thread', () => {
    const rows = Array.from({ length: 60 }, (_, i) => row(`app-${i}`, i % 7 === 0 ? { healthy: 0 } : {}));
    const { result, details } = formatSummary({ schedule: 'm', since: now.toISOString(), rows, releases: [], otherFailures: [] }, now);
    expect(result.title).toBe('m summary: 9 need attention, 51 healthy');
    expect(result.text!.length).toBeLessThanOrEqual(SUMMARY_TEXT_MAX);
    expect(result.text).toMatch(/\.\.\. and \d+ more in the thread$/);
    expect(details.filter((d) => d.includes('(production):'))).toHaveLength(60);
  });
});

describe('schedule commands', () => {
  const registry = createRegistry(commands);
  const parse = (text: string) => parseCommand(text, registry, { appNames: ['hello'] } as never);

  it('"schedule run <name>" is a summary job; "schedule list" and "schedule" answer at once', () => {
    expect(parse('schedule run morning')).toMatchObject({
      ok: true,
      command: { name: 'schedule run', run: { kind: 'job', job: 'summary' } },
      args: { schedule: 'morning' },
    });
    expect(parse('schedule list')).toMatchObject({ ok: true, command: { name: 'schedule list', run: { kind: 'answer' } } });
    expect(parse('schedule')).toMatchObject({ ok: true, command: { name: 'schedule' } });
    expect(parse('schedule run')).toMatchObject({ ok: false });
  });

  it("Discord's /voxoz schedule action:run schedule:morning reads as the subcommand; an unknown action is refused", async () => {
    const text = optionsToText(registry, 'schedule', [
      { name: 'action', type: 3, value: 'run' },
      { name: 'schedule', type: 3, value: 'morning' },
    ]);
    expect(text).toEqual({ ok: true, text: 'schedule run morning' });
    expect(parse('schedule run morning')).toMatchObject({ ok: true, command: { name: 'schedule run' } });
    const parent = parse('schedule frobnicate');
    if (!parent.ok || parent.command.run.kind !== 'answer') throw new Error('expected the parent answer');
    expect(() => (parent.command.run as { answer: (a: unknown, c: unknown) => unknown }).answer(parent.args, { now })).toThrow(
      '"frobnicate" is not a schedule action; use "schedule list" or "schedule run <name>"',
    );
  });

  it('lists each schedule with its next run in its own time zone (strictly after now: 09:00 Kyiv now is tomorrow)', () => {
    const { schedules } = validateConfig(
      {
        schedules: [
          {
            name: 'morning',
            cron: '0 9 * * *',
            timezone: 'Europe/Kyiv',
            target: { platform: 'slack', channel: 'C0123ABCD' },
            quiet: { days: ['sun'] },
          },
        ],
      },
      '/tmp/voxoz.yml',
    );
    expect(describeSchedules(schedules, now).text!.split('\n')[0]).toBe(
      'morning: "0 9 * * *" (Europe/Kyiv) to slack:C0123ABCD; apps *, envs *; quiet sun; next 2026-12-04 09:00 Europe/Kyiv (2026-12-04 07:00Z)',
    );
    const utc = validateConfig(
      { schedules: [{ name: 'hourly', cron: '0 * * * *', target: { platform: 'local', channel: 'ops' } }] },
      '/tmp/voxoz.yml',
    ).schedules;
    expect(describeSchedules(utc, now).text!.split('\n')[0]).toMatch(/; next \d{4}-\d\d-\d\d \d\d:00 UTC$/);
    expect(describeSchedules([], now).title).toBe('schedules: none');
  });
});
