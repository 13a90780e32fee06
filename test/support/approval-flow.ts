/**
 * Shared by the approval end-to-end tests (Slack HTTP and Socket Mode, Discord, local): a copy
 * of the hello app whose page text is fixed when it is built, and a voxoz.yml that names three
 * people by their ids on the platform under test: rita asks (deployer), abe approves
 * (approver), stan is listed and holds nothing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpOnce } from './http-once.ts';
import { HELLO_APP_DIR } from './start-voxoz.ts';

/**
 * The hello app in a directory of its own. `bake(n)` writes the page of the next build as
 * "hello from release v<n>": the text is in the image, so a rollback that really redeploys v1's
 * image serves v1's text again, whatever number the rollback's own release gets (the stock app
 * fills the number in when a replica starts, so its page would name the rollback's number).
 */
export function helloCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'vxh-'));
  cpSync(HELLO_APP_DIR, dir, { recursive: true });
  const template = readFileSync(join(dir, 'index.html'), 'utf8');
  if (!template.includes('from release v@RELEASE@'))
    throw new Error('examples/hello/index.html changed: the approval tests bake its release text');
  return {
    dir,
    bake(n: number) {
      writeFileSync(join(dir, 'index.html'), template.replace('@RELEASE@', String(n)));
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One identity per person on the platform under test, as voxoz.yml `people:` writes it. */
export interface ApprovalPeople {
  rita: Record<string, string>;
  abe: Record<string, string>;
  stan: Record<string, string>;
}

/** voxoz.yml for the approval flow: hello from `appDir` on APP_PORT, the three people, their grants, rollback needing approval. */
export function approvalYaml(appDir: string, people: ApprovalPeople): string {
  const ids = (p: Record<string, string>) =>
    `{ ${Object.entries(p)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(', ')} }`;
  return `apps:
  - name: hello
    source: { path: ${appDir} }
    port: APP_PORT
    health: { path: /, timeoutSeconds: 20 }
    drainSeconds: 1
people:
  rita: ${ids(people.rita)}
  abe: ${ids(people.abe)}
  stan: ${ids(people.stan)}
access:
  grants:
    - { to: [rita], role: deployer }
    - { to: [abe], role: approver }
approvals:
  rules: [{ verb: rollback }]
worker: { concurrency: 1, attempts: 1 }
`;
}

/** What the hello app's port answers now. */
export const servedPage = (port: number) => httpOnce(`127.0.0.1:${port}`);

/** The approval message's expiry line: "It expires at 2026-12-03 07:15 UTC." */
export const EXPIRES = /It expires at \d{4}-\d\d-\d\d \d\d:\d\d UTC/;
