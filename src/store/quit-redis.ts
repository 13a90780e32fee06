import type { Redis } from 'ioredis';

/**
 * Closes a client: a QUIT when its server answers, so what it sent first is still written. With
 * the server gone a QUIT would wait for it without end (clients that retry keep it queued), so
 * the client is dropped after `graceMs`; what it had not written is lost with the connection.
 */
export async function quitRedis(client: Redis, graceMs = 2000): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, client.status === 'ready' ? graceMs : 0);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    late,
  ]);
  clearTimeout(timer);
  if ((client.status as string) !== 'end') client.disconnect();
}
