type Problem = { path: Array<string | number>; message: string };

/**
 * Environments' `hostnames`: each name is served by one app environment only, and they need
 * `frontDoor.httpsPort` (the port every hostname is served on over HTTPS).
 */
export function checkHostnames(raw: unknown): Problem[] {
  const { apps, frontDoor } = (raw ?? {}) as { apps?: unknown; frontDoor?: { httpsPort?: unknown } };
  if (!Array.isArray(apps)) return [];
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  apps.forEach((app: unknown, i) => {
    const { name, environments } = (app ?? {}) as { name?: unknown; environments?: unknown };
    if (typeof name !== 'string' || !environments || typeof environments !== 'object') return;
    for (const [env, settings] of Object.entries(environments as Record<string, { hostnames?: unknown }>)) {
      const hostnames = settings?.hostnames;
      if (!Array.isArray(hostnames) || hostnames.length === 0) continue;
      const path = ['apps', i, 'environments', env, 'hostnames'];
      if (typeof frontDoor?.httpsPort !== 'number')
        problems.push({
          path,
          message: 'hostnames are served over HTTPS on frontDoor.httpsPort; set it, e.g. frontDoor: { httpsPort: 8443 }',
        });
      for (const host of hostnames) {
        if (typeof host !== 'string') continue;
        const owner = owners.get(host);
        if (owner) problems.push({ path, message: `"${host}" is already served by ${owner}; a hostname belongs to one app environment` });
        else owners.set(host, `${name} (${env})`);
      }
    }
  });
  return problems;
}
