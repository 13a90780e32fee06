import { Routes, type APIApplicationCommand } from 'discord-api-types/v10';
import type { REST } from '@discordjs/rest';
import type { CommandDefinition } from './command-definitions.ts';

/** The fields of a registered command that registration controls, in a stable form for comparison. */
function shape(c: Partial<APIApplicationCommand> | CommandDefinition): unknown {
  const clean = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(clean);
    if (!o || typeof o !== 'object') return o;
    const rec = o as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of [
      'type',
      'name',
      'description',
      'required',
      'autocomplete',
      'min_value',
      'max_value',
      'max_length',
      'options',
      'contexts',
      'integration_types',
    ]) {
      const v = rec[key];
      if (v === undefined || v === false || (key === 'options' && Array.isArray(v) && v.length === 0)) continue;
      out[key] = clean(v);
    }
    return out;
  };
  return clean(c);
}

/**
 * Registers the commands idempotently: reads what is registered and overwrites the set only
 * when it differs, so restarts do not churn Discord's command cache (global changes take time
 * to reach every client). Global by default, or in one guild (instant; handy while testing).
 * In one guild, a global command of the same name left by an earlier global registration is
 * deleted, or Discord would show /voxoz twice there and keep offering it everywhere else.
 */
export async function registerCommands(
  rest: REST,
  applicationId: string,
  definitions: CommandDefinition[],
  guildId?: string,
): Promise<{ changed: boolean; removedGlobal: string[] }> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const existing = (await rest.get(route)) as APIApplicationCommand[];
  const same = JSON.stringify(existing.map(shape).sort(byName)) === JSON.stringify(definitions.map(shape).sort(byName));
  if (!same) await rest.put(route, { body: definitions });
  const removedGlobal: string[] = [];
  if (guildId) {
    const names = new Set(definitions.map((d) => d.name));
    const global = (await rest.get(Routes.applicationCommands(applicationId))) as APIApplicationCommand[];
    for (const stale of global.filter((c) => names.has(c.name))) {
      await rest.delete(Routes.applicationCommand(applicationId, stale.id));
      removedGlobal.push(stale.name);
    }
  }
  return { changed: !same, removedGlobal };
}

const byName = (a: unknown, b: unknown) => String((a as { name?: string }).name).localeCompare(String((b as { name?: string }).name));
