import { request } from 'node:http';
import { connect } from 'node:net';

/** True when GET http://host:port/path answers 2xx within `timeoutMs`. Loopback targets only in this project. */
export function probeHttp(host: string, port: number, path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** What one health probe saw: the HTTP status, or why there was none. */
export type ProbeAnswer = number | 'refused' | 'timeout';

/**
 * One GET http://host:port/path on a connection of its own: the status, 'refused' when
 * nothing listens (yet), 'timeout' when no answer came within `timeoutMs` (or the connection
 * broke, as a replica that accepts but cannot answer does).
 */
export function probeStatus(host: string, port: number, path: string, timeoutMs = 1000): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
    req.end();
  });
}
