import { DISCORD_LIMITS } from './discord-limits.ts';

const PREFIX = 'vx';

/**
 * A button's custom_id: `vx:<button id>:<value>` (e.g. `vx:cancel:discord-123`), so a click
 * comes back as the neutral button id and value with no lookup. Undefined when it would pass
 * Discord's 100-character limit (the button is then left out rather than cut: a cut value would
 * name another job).
 */
export function encodeButtonId(id: string, value: string): string | undefined {
  if (id.includes(':')) return undefined;
  const customId = `${PREFIX}:${id}:${value}`;
  return customId.length <= DISCORD_LIMITS.customId ? customId : undefined;
}

/** The button id and value of a custom_id written by `encodeButtonId`, or undefined for anything else. */
export function decodeButtonId(customId: string): { action: string; value: string } | undefined {
  const [prefix, action, ...rest] = customId.split(':');
  if (prefix !== PREFIX || !action || rest.length === 0) return undefined;
  return { action, value: rest.join(':') };
}
