import { ApplicationCommandOptionType, type APIChatInputApplicationCommandInteraction, type APIUser } from 'discord-api-types/v10';
import type { ChatUser, Invocation } from '../../src/core/types.ts';
import type { CommandRegistry } from '../../src/dispatch/command-registry.ts';

/** An option as Discord delivers it (raw payloads and discord.js's `options.data` both fit). */
export interface OptionNode {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: OptionNode[];
  focused?: boolean;
}

/** A Discord user as voxoz knows them: `discord:<user id>`; the name is for display only. */
export function discordUser(user: Pick<APIUser, 'id' | 'username'> & { global_name?: string | null }): ChatUser {
  return { id: `discord:${user.id}`, name: user.global_name || user.username || user.id };
}

/** The invoking user of any interaction: `member.user` in a guild, `user` in a DM. */
export function interactionUser(raw: { member?: { user: APIUser }; user?: APIUser }): ChatUser | undefined {
  const user = raw.member?.user ?? raw.user;
  return user ? discordUser(user) : undefined;
}

/** Quotes a value for the tokenizer (quotes group words; there are no escapes). */
function quote(value: string): string {
  if (value !== '' && !/[\s"'\u201c\u201d]/u.test(value)) return value;
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

export type TextResult = { ok: true; text: string } | { ok: false; problem: string };

/**
 * Turns a `/voxoz <subcommand>` invocation back into the command text the parser reads
 * (`deploy hello main --env staging`), so a slash command is validated exactly like typed
 * text. Positional arguments follow the spec's order; booleans become `--flag` when true.
 * Two things text cannot say are refused here: a later argument without an earlier one, and a
 * string starting with "-" (the parser would read it as an option).
 */
export function optionsToText(registry: CommandRegistry, subcommand: string, options: ReadonlyArray<OptionNode>): TextResult {
  const spec = registry.find(subcommand);
  if (!spec) return { ok: true, text: subcommand };
  const given = new Map(options.map((o) => [o.name, o.value]));
  for (const [name, value] of given) {
    if (typeof value === 'string' && value.startsWith('-'))
      return { ok: false, problem: `${name}: "${value.slice(0, 40)}" must not start with "-"` };
  }
  const words: string[] = [spec.name];
  let missing: string | undefined;
  for (const arg of spec.args) {
    const value = given.get(arg.name);
    if (value === undefined) {
      missing ??= arg.name;
      continue;
    }
    if (missing) return { ok: false, problem: `give ${missing} too when you give ${arg.name}` };
    words.push(quote(String(value)));
  }
  for (const opt of spec.options ?? []) {
    const value = given.get(opt.name);
    if (value === undefined || value === false) continue;
    words.push(value === true ? `--${opt.name}` : `--${opt.name}=${quote(String(value))}`);
  }
  const known = new Set([...spec.args.map((a) => a.name), ...(spec.options ?? []).map((o) => o.name)]);
  for (const name of given.keys()) if (!known.has(name)) words.push(`--${name}`); // stale registration: the parser names it
  return { ok: true, text: words.join(' ') };
}

/** The subcommand and its options of a `/voxoz` interaction (no subcommand: an empty verb, which the parser treats as help). */
export function subcommandOf(options: ReadonlyArray<OptionNode> = []): { name: string; options: OptionNode[] } {
  const sub = options.find((o) => o.type === ApplicationCommandOptionType.Subcommand);
  return sub ? { name: sub.name, options: sub.options ?? [] } : { name: '', options: [...options] };
}

/**
 * A `/voxoz` slash command as a neutral Invocation. The interaction id is the delivery id:
 * a redelivered interaction maps to the same job id and queues once. The interaction id and
 * token travel in `meta` so the relay's surface can make the interaction's reply the parent.
 */
export function commandToInvocation(
  raw: APIChatInputApplicationCommandInteraction,
  registry: CommandRegistry,
  receivedAt: Date,
): { ok: true; invocation: Invocation } | { ok: false; problem: string } {
  const user = interactionUser(raw);
  if (!user) return { ok: false, problem: 'the interaction names no user' };
  const sub = subcommandOf(raw.data.options as OptionNode[] | undefined);
  const text = optionsToText(registry, sub.name, sub.options);
  if (!text.ok) return text;
  return {
    ok: true,
    invocation: {
      platform: 'discord',
      user,
      conversation: raw.channel?.id ?? raw.channel_id ?? 'unknown',
      text: text.text,
      receivedAt,
      deliveryId: raw.id,
      meta: { interaction: raw.id, token: raw.token },
    },
  };
}
