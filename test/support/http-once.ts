import { request } from 'node:http';

/**
 * GET http://<listen><path> on a connection of its own (no keep-alive), as `"<status> <body>"`.
 * Caddy restarts its servers on every config change and closes idle kept-alive connections
 * then; a client that reuses one at that moment sees "other side closed". Browsers and most
 * HTTP clients retry an idempotent request in that case; undici's fetch does not, so tests
 * that count failed requests through the front door use one connection per request.
 */
export function httpOnce(listen: string, timeoutMs = 5000, path = '/'): Promise<string> {
  const [host, port] = listen.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
      res.on('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from ${listen} within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}
