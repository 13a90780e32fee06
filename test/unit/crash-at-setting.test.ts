import { describe, expect, it } from 'vitest';
import { readSettings, type SettingsError } from '../../src/config/read-settings.ts';

describe('VOXOZ_CRASH_AT (the kill -9 tests’ hook)', () => {
  it('is unset unless given, and takes a deploy step', () => {
    expect(readSettings({}).crashAt).toBeUndefined();
    expect(readSettings({ VOXOZ_CRASH_AT: '' }).crashAt).toBeUndefined();
    expect(readSettings({ VOXOZ_CRASH_AT: 'health-wait' }).crashAt).toBe('health-wait');
  });

  it('refuses anything else, listing the steps', () => {
    let problems: string[] = [];
    try {
      readSettings({ VOXOZ_CRASH_AT: 'health wait' });
    } catch (err) {
      problems = (err as SettingsError).problems;
    }
    expect(problems).toEqual([
      'VOXOZ_CRASH_AT must be one of build, create, start, health-wait, switch, drain, retire, ledger-write, got "health wait"',
    ]);
  });
});
