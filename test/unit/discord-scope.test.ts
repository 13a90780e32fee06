import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { commandDefinitions } from '../../adapters/discord/command-definitions.ts';
import { guildRefusal } from '../../adapters/discord/guild-scope.ts';
import { validateCommands } from '../support/discord-sim/validate-commands.ts';

describe('guildRefusal', () => {
  it('serves guilds only: any guild when DISCORD_GUILD_IDS is unset, the listed ones when set', () => {
    expect(guildRefusal({ guild_id: '1', context: 0 }, undefined)).toBeUndefined();
    expect(guildRefusal({ guild_id: '1' }, ['1', '2'])).toBeUndefined();
    expect(guildRefusal({ guild_id: '3', context: 0 }, ['1', '2'])).toMatch(/this server \(3\) is not one this voxoz serves/);
  });

  it('refuses DMs and private channels, whatever the list says', () => {
    expect(guildRefusal({ context: 1 }, undefined)).toMatch(/servers only/);
    expect(guildRefusal({}, ['1'])).toMatch(/servers only/);
    expect(guildRefusal({ guild_id: '1', context: 2 }, ['1'])).toMatch(/servers only/);
  });
});

describe('the /voxoz registration', () => {
  it("is for guild installs in guilds only, with no default member permissions, and Discord's rules accept it", () => {
    const [def] = commandDefinitions(commands);
    expect(def).toMatchObject({ contexts: [0], integration_types: [0] });
    expect(def).not.toHaveProperty('default_member_permissions');
    expect(() => validateCommands([def])).not.toThrow();
  });

  it('the simulator refuses what Discord refuses in those fields', () => {
    const base = { name: 'x', description: 'd', type: 1 };
    expect(() => validateCommands([{ ...base, contexts: [3] }])).toThrow();
    expect(() => validateCommands([{ ...base, contexts: [0, 0] }])).toThrow();
    expect(() => validateCommands([{ ...base, integration_types: [2] }])).toThrow();
    expect(() => validateCommands([{ ...base, default_member_permissions: 8 }])).toThrow();
    expect(() => validateCommands([{ ...base, default_member_permissions: '8', contexts: null }])).not.toThrow();
  });
});
