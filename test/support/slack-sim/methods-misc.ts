/**
 * auth.test, conversations.info and apps.connections.open (Socket Mode URL with a single-use
 * ticket; needs the xapp- token).
 */
import { randomUUID } from 'node:crypto';
import { fail, resolveChannel, type MethodDef } from './context.ts';

const authTest: MethodDef = {
  token: 'any',
  handle(ctx) {
    const c = ctx.config;
    return {
      ok: true,
      url: `https://${c.teamDomain}.slack.com/`,
      team: c.teamDomain,
      user: 'voxoz',
      team_id: c.teamId,
      user_id: c.botUserId,
      bot_id: c.botId,
      is_enterprise_install: false,
    };
  },
};

const conversationsInfo: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const id = resolveChannel(ctx, args.channel);
    const c = id ? ctx.store.channels.get(id) : undefined;
    if (!c) return fail('channel_not_found');
    return {
      ok: true,
      channel: {
        id: c.id,
        name: c.name,
        is_channel: !c.isPrivate,
        is_group: false,
        is_im: false,
        is_private: c.isPrivate ?? false,
        is_archived: false,
        is_member: true,
        num_members: c.members?.length ?? 0,
        context_team_id: ctx.config.teamId,
      },
    };
  },
};

const connectionsOpen: MethodDef = {
  token: 'app',
  handle(ctx) {
    const ticket = randomUUID();
    ctx.tickets.add(ticket);
    return { ok: true, url: `${ctx.baseUrl.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${ctx.config.apiAppId}` };
  },
};

/** auth / conversations / apps method table. */
export const miscMethods: Record<string, MethodDef> = {
  'auth.test': authTest,
  'conversations.info': conversationsInfo,
  'apps.connections.open': connectionsOpen,
};
