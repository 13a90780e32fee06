import { describe, expect, it, inject } from 'vitest';
import { Redis } from 'ioredis';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';

describe('test services', () => {
  it('redis answers', async () => {
    const redis = new Redis(inject('redisUrl'));
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });
  it('docker has busybox', async () => {
    const docker = createDockerClient(inject('dockerHost'));
    const info = await docker.getImage('busybox:latest').inspect();
    expect(info.Id).toMatch(/^sha256:/);
  });
});
