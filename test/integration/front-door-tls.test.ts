import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaddyFrontDoor } from '../../src/frontdoor/caddy-front-door.ts';
import { syncHostnames } from '../../src/frontdoor/caddy-hostnames.ts';
import type { Site } from '../../src/frontdoor/front-door.ts';
import { ensureCaddy, type RunningCaddy } from '../../src/services/caddy.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';

// A real caddy started the way voxoz starts its own; HTTPS with certificates from its own CA.
const dir = mkdtempSync(join(tmpdir(), 'vxtls-'));
let caddy: RunningCaddy;
const backends: Server[] = [];

async function backend(name: string): Promise<string> {
  const server = createServer((req, res) => res.end(`${name} ${req.headers.host}`)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  backends.push(server);
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * GET https://<name>:<port>/ connecting to 127.0.0.1, trusting only `ca`. A connection whose
 * handshake meets a config load (Caddy replaces its servers) can be hung up: that one is tried
 * again, as a browser would; certificate errors are not.
 */
async function httpsGet(port: number, name: string, ca: string | undefined): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await httpsGetOnce(port, name, ca);
    } catch (err) {
      if (attempt >= 3 || !/socket hang up|ECONNRESET/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function httpsGetOnce(port: number, name: string, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, servername: name, headers: { host: name }, path: '/', ...(ca ? { ca } : {}), timeout: 3000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  caddy = await ensureCaddy(join(dir, 'caddy'));
});
afterAll(async () => {
  await caddy?.stop();
  for (const s of backends) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("front-door hostnames over HTTPS with the proxy's own CA", () => {
  it('serves each name with a certificate its CA signed, follows the switch, refuses other names, and goes away when unset', async () => {
    const door = createCaddyFrontDoor(caddy.socket);
    const site: Site = { instance: 'tt', app: 'hello', env: 'production', listen: `127.0.0.1:${await findFreePort()}` };
    const other: Site = { instance: 'tt', app: 'api', env: 'staging', listen: `127.0.0.1:${await findFreePort()}` };
    const [v1, v2, a1] = [await backend('v1'), await backend('v2'), await backend('api')];
    await door.switch(site, [v1], 1);
    await door.switch(other, [a1], 1);
    const httpsPort = await findFreePort();
    await syncHostnames(caddy.socket, 'tt', `127.0.0.1:${httpsPort}`, [
      { site, hostnames: ['hello.voxoz.test'] },
      { site: other, hostnames: ['api.staging.voxoz.test'] },
    ]);
    const rootFile = join(dir, 'caddy', 'storage', 'pki', 'authorities', 'local', 'root.crt');
    await waitUntil('the CA root', async () => existsSync(rootFile), 10_000);
    const ca = readFileSync(rootFile, 'utf8');
    // The certificate is issued on first use of the config: retry until it is there.
    let answer = '';
    await waitUntil(
      'https through the front door',
      async () => {
        answer = await httpsGet(httpsPort, 'hello.voxoz.test', ca).catch((e: Error) => e.message);
        return answer.startsWith('200');
      },
      15_000,
    );
    expect(answer).toBe('200 v1 hello.voxoz.test');
    expect(await httpsGet(httpsPort, 'api.staging.voxoz.test', ca)).toBe('200 api api.staging.voxoz.test');
    // Without the CA the certificate is not trusted: it is the proxy's own CA, not a public one.
    await expect(httpsGet(httpsPort, 'hello.voxoz.test', undefined)).rejects.toThrow(/certificate|self.signed|issuer/i);
    // One switch of the site moves the HTTPS name too.
    await door.switch(site, [v2], 2);
    expect(await httpsGet(httpsPort, 'hello.voxoz.test', ca)).toBe('200 v2 hello.voxoz.test');
    // A name nobody configured gets no certificate.
    await expect(httpsGet(httpsPort, 'nobody.voxoz.test', ca)).rejects.toThrow();
    // Unset: the HTTPS port stops answering.
    await syncHostnames(caddy.socket, 'tt', `127.0.0.1:${httpsPort}`, []);
    await waitUntil(
      'the HTTPS server to go',
      async () => (await httpsGet(httpsPort, 'hello.voxoz.test', ca).catch((e: Error) => e.message)).includes('ECONNREFUSED'),
      5000,
    );
  });
});
