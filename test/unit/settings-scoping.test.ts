import { describe, expect, it } from 'vitest';
import { readSettings, type SettingsError } from '../../src/config/read-settings.ts';

const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
const discord = { DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: '100000000000000001' };
const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    readSettings(env);
    return [];
  } catch (err) {
    return (err as SettingsError).problems;
  }
};

describe('SLACK_TEAM_IDS and DISCORD_GUILD_IDS', () => {
  it('unset or blank means every workspace / guild (undefined)', () => {
    expect(readSettings({ ...slack, ...discord }).slack?.teamIds).toBeUndefined();
    expect(readSettings({ ...slack, ...discord, SLACK_TEAM_IDS: ' ', DISCORD_GUILD_IDS: '' }).discord?.guildIds).toBeUndefined();
  });

  it('reads comma-separated lists, trimmed and without repeats', () => {
    const s = readSettings({
      ...slack,
      ...discord,
      SLACK_TEAM_IDS: 'T0123ABCD, T0456EFGH,T0123ABCD',
      DISCORD_GUILD_IDS: '200000000000000001,200000000000000002',
      DISCORD_GUILD_ID: '200000000000000002',
    });
    expect(s.slack?.teamIds).toEqual(['T0123ABCD', 'T0456EFGH']);
    expect(s.discord?.guildIds).toEqual(['200000000000000001', '200000000000000002']);
  });

  it('names every malformed id, and a registration guild outside the served list', () => {
    expect(problems({ ...slack, SLACK_TEAM_IDS: 'T0123ABCD,U0ALICE,t0lower,' })).toEqual([
      'SLACK_TEAM_IDS must be a comma-separated list of Slack team ids (e.g. T0123ABCD); these are not: "U0ALICE", "t0lower", ""',
    ]);
    expect(problems({ ...discord, DISCORD_GUILD_IDS: '200000000000000001,guild' })[0]).toMatch(/DISCORD_GUILD_IDS .*"guild"/);
    expect(problems({ ...discord, DISCORD_GUILD_IDS: '200000000000000001', DISCORD_GUILD_ID: '200000000000000009' })).toEqual([
      'DISCORD_GUILD_IDS must include DISCORD_GUILD_ID (200000000000000009), where /voxoz is registered',
    ]);
  });
});
