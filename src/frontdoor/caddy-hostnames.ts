import { caddyAdmin } from './caddy-admin.ts';
import type { Site } from './front-door.ts';

/** An app environment served under names over HTTPS: requests for them go to its site's own address. */
export interface NamedSite {
  site: Site;
  hostnames: ReadonlyArray<string>;
}

const httpsServer = (instance: string) => `vx-${instance}-https`;

/**
 * Serves every named site over HTTPS on `listen` (one Caddy server for the installation), each
 * name with a certificate from Caddy's own CA ("internal" issuer: nothing is fetched from the
 * internet, the CA's root is `<caddy storage>/pki/authorities/local/root.crt`). A name's route
 * proxies to its site's plain address, so a deploy's one switch moves HTTPS traffic too.
 * Replaces what an earlier call set; with no named site the HTTPS server is removed.
 */
export async function syncHostnames(socket: string, instance: string, listen: string, named: ReadonlyArray<NamedSite>): Promise<void> {
  const path = `/config/apps/http/servers/${httpsServer(instance)}`;
  const hostnames = named.flatMap((n) => n.hostnames);
  if (hostnames.length === 0) {
    const exists = await caddyAdmin.call(socket, 'GET', path);
    if (exists.status === 200 && exists.body.trim() !== 'null') await caddyAdmin.expectOk(socket, 'DELETE', path);
    return;
  }
  await caddyAdmin.expectOk(socket, 'POST', '/config/apps/tls', {
    automation: { policies: [{ subjects: hostnames, issuers: [{ module: 'internal' }] }] },
  });
  await caddyAdmin.expectOk(socket, 'POST', path, {
    listen: [listen],
    routes: named.map((n) => ({
      match: [{ host: [...n.hostnames] }],
      handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: n.site.listen }] }],
      terminal: true,
    })),
    // TLS for every connection; no port-80 redirect server (only loopback ports voxoz was given).
    tls_connection_policies: [{}],
    automatic_https: { disable_redirects: true },
  });
}
