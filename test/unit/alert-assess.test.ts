import { describe, expect, it } from 'vitest';
import { assessApp, type AppFacts } from '../../src/alerts/assess-app.ts';
import { formatDuration } from '../../src/alerts/incident-message.ts';
import type { Signal } from '../../src/alerts/incident-store.ts';
import { ALERT_DEFAULTS, type AlertRules } from '../../src/config/alert-schema.ts';
import { toEngineEvent } from '../../src/drivers/docker/watch-events.ts';

const NOW = Date.parse('2026-12-03T07:00:00Z');
const rules: AlertRules = { ...ALERT_DEFAULTS, crashLoop: { dies: 3, withinSeconds: 300 }, graceSeconds: 60, stableSeconds: 120 };
const s = (type: Signal['type'], secondsAgo: number, replica = 'r0', exitCode = type === 'oom' ? 137 : 1): Signal => ({
  type,
  exitCode,
  replica,
  at: NOW - secondsAgo * 1000,
});
const facts = (more: Partial<AppFacts> = {}): AppFacts => ({
  now: NOW,
  running: 1,
  unhealthy: 0,
  desired: 1,
  signals: [],
  openedAt: {},
  closedAt: {},
  healthySince: NOW - 3600_000,
  ...more,
});

describe('assessApp', () => {
  it.each([
    ['nothing happened', facts(), []],
    ['2 exits are not a loop', facts({ signals: [s('died', 30), s('died', 20)] }), []],
    ['3 exits in the window are', facts({ signals: [s('died', 30), s('died', 20), s('died', 10)] }), ['crash-loop']],
    ['exits older than the window are not', facts({ signals: [s('died', 400), s('died', 350), s('died', 10)] }), []],
    ['an OOM kill, with its exit, is an OOM kill only', facts({ signals: [s('oom', 10), s('died', 10, 'r0', 137)] }), ['oom']],
    [
      'exits counted before the last incident closed open nothing',
      facts({ signals: [s('died', 30), s('died', 20), s('died', 10)], closedAt: { 'crash-loop': NOW - 5000 } }),
      [],
    ],
    ['short of replicas within the grace is not', facts({ running: 1, desired: 2, shortSince: NOW - 30_000, healthySince: undefined }), []],
    [
      'short of replicas past the grace is',
      facts({ running: 1, desired: 2, shortSince: NOW - 61_000, healthySince: undefined }),
      ['replicas'],
    ],
    [
      'short of replicas right after an exit waits for the grace again',
      facts({ running: 0, desired: 1, shortSince: NOW - 100_000, signals: [s('died', 5)], healthySince: undefined }),
      [],
    ],
    ['unhealthy past the grace', facts({ unhealthy: 1, unhealthySince: NOW - 60_000, healthySince: undefined }), ['unhealthy']],
  ])('%s', (_name, f, kinds) => {
    expect(Object.keys(assessApp(rules, f).active).sort()).toEqual([...kinds].sort());
  });

  it('counts exits since an open incident began, says the last code, and recovers only when stable', () => {
    const signals = [s('died', 200), s('died', 190), s('died', 180, 'r0', 2)];
    const open = { 'crash-loop': NOW - 185_000 };
    const busy = assessApp(rules, facts({ signals, openedAt: open, healthySince: NOW - 60_000 }));
    expect(busy.summaries['crash-loop']).toBe('3 exits since 06:56:40 UTC, last exit code 2');
    expect(busy.recovered).toBe(false);
    expect(assessApp(rules, facts({ signals, openedAt: open, healthySince: NOW - 170_000 })).recovered).toBe(true);
    expect(assessApp(rules, facts({ signals, openedAt: open, running: 0, healthySince: undefined })).recovered).toBe(false);
  });

  it('formats how long an incident lasted', () => {
    expect([formatDuration(45_000), formatDuration(240_000), formatDuration(125 * 60_000)]).toEqual(['45 s', '4 min', '2 h 5 min']);
  });
});

describe('toEngineEvent', () => {
  const attrs = { 'voxoz.instance': 'vx', 'voxoz.app': 'web', 'voxoz.env': 'production', name: 'vx-web-production-v3-0', exitCode: '137' };
  const raw = (Action: string, more: Record<string, string> = {}) => ({
    Type: 'container',
    Action,
    Actor: { ID: 'abc123', Attributes: { ...attrs, ...more } },
    timeNano: NOW * 1e6,
  });
  it('names the app, environment and replica of die, oom and health events, and nothing else', () => {
    expect(toEngineEvent(raw('die'), 'vx', true)).toMatchObject({ requested: true });
    expect(toEngineEvent(raw('die'), 'vx')).toMatchObject({
      requested: false,
      type: 'died',
      exitCode: 137,
      app: 'web',
      env: 'production',
      replica: 'vx-web-production-v3-0',
      at: '2026-12-03T07:00:00.000Z',
    });
    expect(toEngineEvent(raw('oom'), 'vx')).toMatchObject({ type: 'oom' });
    expect(toEngineEvent(raw('health_status: unhealthy'), 'vx')).toMatchObject({ type: 'health', status: 'unhealthy' });
    expect(toEngineEvent(raw('exec_start: sh'), 'vx')).toBeUndefined();
    expect(toEngineEvent(raw('die'), 'other')).toBeUndefined();
    expect(toEngineEvent(raw('die'), 'vx')!.id).not.toBe(toEngineEvent(raw('oom'), 'vx')!.id);
  });
});
