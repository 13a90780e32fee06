import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';

const app = (alerts?: unknown) => ({ name: 'web', source: { path: '/srv/web' }, port: 8080, ...(alerts === undefined ? {} : { alerts }) });
const problems = (alerts: unknown) => {
  try {
    validateConfig({ apps: [app(alerts)] }, '/etc/voxoz.yml');
    return [];
  } catch (err) {
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
};

describe('apps[].alerts', () => {
  it('defaults to on, in the system channel, 3 exits in 300 s, 60 s grace, 120 s stable', () => {
    expect(validateConfig({ apps: [app()] }, '/etc/voxoz.yml').apps[0]!.alerts).toEqual({
      off: false,
      crashLoop: { dies: 3, withinSeconds: 300 },
      graceSeconds: 60,
      stableSeconds: 120,
    });
  });

  it('takes a channel on one platform and the off switch', () => {
    const rules = validateConfig({ apps: [app({ off: true, channel: { slack: 'C0123ABCD' }, crashLoop: { dies: 5 } })] }, '/etc/voxoz.yml')
      .apps[0]!.alerts;
    expect(rules).toMatchObject({ off: true, channel: { slack: 'C0123ABCD' }, crashLoop: { dies: 5, withinSeconds: 300 } });
  });

  it('names every problem with its path', () => {
    expect(problems({ channel: { local: 'Bad Name' }, crashLoop: { dies: 0, withinSeconds: 5 }, graceSeconds: -1, of: true })).toEqual([
      '- apps[0].alerts.channel.local: must be a local channel name like ops',
      '- apps[0].alerts.crashLoop.dies: must be 1..1000, got 0',
      '- apps[0].alerts.crashLoop.withinSeconds: must be 10..86400, got 5',
      '- apps[0].alerts.graceSeconds: must be 0..3600, got -1',
      '- apps[0].alerts.of: unknown key; did you mean "off"?',
    ]);
    expect(problems({ channel: { slack: 'C0123ABCD', local: 'ops' } })).toEqual([
      '- apps[0].alerts.channel: must name one channel: { slack: C0123ABCD } or { discord: "123…" } or { local: ops }',
    ]);
  });
});
