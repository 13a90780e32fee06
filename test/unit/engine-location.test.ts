import { describe, expect, it } from 'vitest';
import { dockerOptionsFromHost } from '../../src/drivers/docker/docker-client.ts';
import { engineHealthCheck } from '../../src/drivers/docker/engine-health-check.ts';
import { engineLocation, replicaAt } from '../../src/drivers/docker/engine-location.ts';

describe('engineLocation', () => {
  it.each([
    [undefined, undefined, { remote: false }],
    ['unix:///var/run/docker.sock', undefined, { remote: false }],
    ['/tmp/d/docker.sock', undefined, { remote: false }],
    ['tcp://127.0.0.1:2375', undefined, { remote: false }],
    ['tcp://localhost:2375', undefined, { remote: false }],
    ['tcp://engine.example:2376', undefined, { remote: true, address: 'engine.example' }],
    ['tcp://ops:pass@198.51.100.7:2376', undefined, { remote: true, address: '198.51.100.7' }],
    ['ssh://ops@engine.example', undefined, { remote: true, address: 'engine.example' }],
    ['unix:///tmp/tunnel.sock', 'remote', { remote: true }],
    ['tcp://engine.example:2376', 'local', { remote: false }],
  ] as const)('%s (VOXOZ_DOCKER_ENGINE %s) is %o', (host, setting, want) => {
    expect(engineLocation(host, setting)).toEqual(want);
  });

  it('puts a replica at the engine host when it is known', () => {
    expect(replicaAt({ remote: false }, 20001)).toBe('127.0.0.1:20001');
    expect(replicaAt({ remote: true, address: 'engine.example' }, 20001)).toBe('engine.example:20001');
    expect(replicaAt(engineLocation('tcp://[2001:db8::1]:2376'), 20001)).toBe('[2001:db8::1]:20001');
    expect(replicaAt({ remote: true }, 20001)).toBeUndefined();
  });
});

describe('engineHealthCheck', () => {
  it("maps the app's health to Engine API 1.41 fields (nanoseconds), the URL and status as arguments of a fixed script", () => {
    const check = engineHealthCheck(
      { path: '/x$(id)', status: 404, retries: 4, graceSeconds: 7, timeoutSeconds: 30, watchSeconds: 0 },
      20001,
    );
    expect(check).toMatchObject({ Interval: 1e9, Timeout: 1e9, Retries: 4, StartPeriod: 7e9 });
    expect(check.Test.slice(0, 3)).toEqual(['CMD', 'sh', '-c']);
    expect(check.Test.slice(4)).toEqual(['voxoz-health', 'http://127.0.0.1:20001/x$(id)', '404']);
    expect(check.Test[3]).not.toContain('20001');
    expect(engineHealthCheck({ path: '/', retries: 3, graceSeconds: 5, timeoutSeconds: 30, watchSeconds: 0 }, 1).Test.at(-1)).toBe('2??');
  });
});

describe('dockerOptionsFromHost', () => {
  it('reaches an ssh:// engine as the docker CLI does, with the given ssh agent', () => {
    expect(dockerOptionsFromHost('ssh://ops@engine.example:2222', { sshAgent: '/run/agent.sock' })).toEqual({
      protocol: 'ssh',
      host: 'engine.example',
      port: 2222,
      username: 'ops',
      sshOptions: { agent: '/run/agent.sock' },
    });
    expect(dockerOptionsFromHost('ssh://engine.example')).toEqual({ protocol: 'ssh', host: 'engine.example', port: 22, sshOptions: {} });
    expect(dockerOptionsFromHost('tcp://engine.example:2375')).toEqual({ host: 'engine.example', port: 2375, protocol: 'http' });
  });
});
