import { createHash } from 'node:crypto';
import { Client, type ClientChannel } from 'ssh2';
import { UserError } from '../../core/user-error.ts';
import { checkTokens } from './check-token.ts';
import type { XenCommand, XenResult, XenTransport } from './ling-types.ts';

export interface SshTarget {
  /** The host's name in voxoz.yml, for messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  privateKey: Buffer;
  /** The pinned `SHA256:…` fingerprint of the host's key. */
  hostKey: string;
  /** @defaultValue 20000 (an emulated dom0 answers slowly) */
  readyTimeoutMs?: number;
}

/** `SHA256:<base64, no padding>` of a host key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * One SSH connection per Xen host (ssh2, no spawned `ssh`), opened on first use and again after
 * it drops; each command an exec channel. The host key is checked against the pinned
 * fingerprint before anything is sent: a different key fails closed with both fingerprints.
 * The command is the wrapper's validated tokens joined by single spaces, which the forced
 * command reads from SSH_ORIGINAL_COMMAND; no shell on either side sees it.
 */
export function createSshTransport(target: SshTarget): XenTransport {
  let connecting: Promise<Client> | undefined;
  const connect = (): Promise<Client> => {
    connecting ??= new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let presented: string | undefined;
      client.on('ready', () => resolve(client));
      client.on('error', (err: Error) => {
        connecting = undefined;
        if (presented !== undefined && presented !== target.hostKey)
          reject(
            new UserError(
              'host_key_mismatch',
              `the Xen host ${target.name} (${target.address}:${target.port}) presented the host key ${presented}, but voxoz.yml pins ${target.hostKey}; nothing was sent. If the host was reinstalled, check its new key out of band (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it) and update xen.hosts[].hostKey`,
            ),
          );
        else reject(new Error(`cannot reach the Xen host ${target.name} (${target.address}:${target.port}) over SSH: ${err.message}`));
      });
      client.on('close', () => {
        connecting = undefined;
      });
      client.connect({
        host: target.address,
        port: target.port,
        username: target.user,
        privateKey: target.privateKey,
        readyTimeout: target.readyTimeoutMs ?? 20_000,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key);
          return presented === target.hostKey;
        },
      });
    });
    return connecting;
  };
  return {
    async run(command: XenCommand, opts = {}): Promise<XenResult> {
      checkTokens(command);
      const client = await connect();
      return new Promise<XenResult>((resolve, reject) => {
        client.exec(command.join(' '), (err: Error | undefined, stream: ClientChannel) => {
          if (err) {
            reject(new Error(`the Xen host ${target.name} refused a channel: ${err.message}`));
            return;
          }
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          let code = -1;
          const onAbort = () => stream.close();
          opts.signal?.addEventListener('abort', onAbort, { once: true });
          stream.on('data', (d: Buffer) => out.push(d));
          stream.stderr.on('data', (d: Buffer) => errOut.push(d));
          stream.on('exit', (c: number | null) => {
            code = c ?? -1;
          });
          stream.on('close', () => {
            opts.signal?.removeEventListener('abort', onAbort);
            resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
          });
          if (opts.stdin !== undefined) stream.end(opts.stdin);
          else stream.end();
        });
      });
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      if (pending) (await pending.catch(() => undefined))?.end();
    },
  };
}
