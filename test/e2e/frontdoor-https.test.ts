import { createLogger } from '../../src/observability/logger.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/** A whole voxoz with hostnames in voxoz.yml: the app is served over HTTPS by the front door, with its own CA; reload takes them away. */
let voxoz: TestVoxoz;
let httpsPort: number;
const yaml = (hostnames: string) => `frontDoor: { httpsPort: ${httpsPort} }
apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
    health: { path: /, timeoutSeconds: 20 }
    environments:
      production: { ${hostnames} }
`;
beforeAll(async () => {
  httpsPort = await findFreePort();
  voxoz = await startTestVoxoz({ yaml: yaml('hostnames: [hello.voxoz.test]'), log: createLogger('warn') });
});
afterAll(async () => {
  await voxoz?.close();
});

function httpsGet(name: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, servername: name, headers: { host: name }, ca, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const auth = () => ({ authorization: `Bearer ${voxoz.localToken}`, 'content-type': 'application/json' });

describe('front-door hostnames from voxoz.yml', () => {
  it('a deployed app answers on its hostname over HTTPS with a certificate from the front door CA; reload without hostnames stops it', async () => {
    const res = await fetch(`${voxoz.url}/local/commands`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ user: 'alice', text: 'deploy hello' }),
    });
    const { thread } = (await res.json()) as { thread: string };
    await waitUntil(
      'deploy to end',
      async () =>
        ((await (await fetch(`${voxoz.url}/local/threads/${thread}`, { headers: auth() })).json()) as { state: string }).state === 'done',
      120_000,
      200,
    );
    const rootFile = join(voxoz.dir, 'data', 'caddy', 'storage', 'pki', 'authorities', 'local', 'root.crt');
    await waitUntil('the front door CA root', async () => existsSync(rootFile), 10_000);
    const ca = readFileSync(rootFile, 'utf8');
    let answer = '';
    await waitUntil(
      'hello over https',
      async () => {
        answer = await httpsGet('hello.voxoz.test', ca).catch((e: Error) => e.message);
        return answer.startsWith('200');
      },
      15_000,
    );
    expect(answer).toMatch(/^200 [\s\S]*v1/);
    writeFileSync(join(voxoz.dir, 'voxoz.yml'), yaml('').replaceAll('APP_PORT', String(voxoz.appPort)));
    expect(voxoz.reload().ok).toBe(true);
    await waitUntil(
      'the HTTPS port to close',
      async () => (await httpsGet('hello.voxoz.test', ca).catch((e: Error) => e.message)).includes('ECONNREFUSED'),
      10_000,
    );
  });
});
