import { describe, expect, it } from 'vitest';
import { slackScope } from '../../adapters/slack/team-scope.ts';

describe('slackScope', () => {
  it("with SLACK_TEAM_IDS unset serves every workspace, but never another organisation's member (Slack Connect)", () => {
    const any = slackScope(undefined);
    expect(any({ team: 'T1' })).toBeUndefined();
    expect(any({ team: 'T9', userTeam: 'T9' })).toBeUndefined();
    expect(any({ team: 'T1', userTeam: 'TX' })).toMatch(/other organisations \(team TX\)/);
    expect(any({})).toMatch(/names no workspace/);
  });

  it('with a list serves only those workspaces, and members of listed teams anywhere in them', () => {
    const listed = slackScope(['T1', 'T2']);
    expect(listed({ team: 'T1', userTeam: 'T1' })).toBeUndefined();
    expect(listed({ team: 'T1', userTeam: 'T2' })).toBeUndefined();
    expect(listed({ team: 'T3' })).toMatch(/workspace T3 is not one this voxoz serves/);
    expect(listed({ team: 'T1', userTeam: 'TX' })).toMatch(/other organisations/);
  });
});
