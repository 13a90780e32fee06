/**
 * Container names are `<instance>-<app>-<env>-v<release>-<replica>`, so two different
 * app/environment pairs that join to the same `<app>-<env>` (app `shop` in `eu-prod`, app
 * `shop-eu` in `prod`) would fight over one name and Docker answers 409 at deploy time.
 * Finds such pairs in the raw config, so they are reported at load with the other problems.
 */
export function checkContainerNames(apps: ReadonlyArray<unknown>): Array<{ path: Array<string | number>; message: string }> {
  const owners = new Map<string, { app: string; env: string; index: number }>();
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  apps.forEach((app: unknown, i) => {
    const { name, environments = { production: {} } } = (app ?? {}) as { name?: unknown; environments?: unknown };
    if (typeof name !== 'string' || !environments || typeof environments !== 'object') return;
    for (const env of Object.keys(environments)) {
      const joined = `${name}-${env}`;
      const owner = owners.get(joined);
      if (!owner) owners.set(joined, { app: name, env, index: i });
      else if (owner.app !== name) {
        problems.push({
          path: ['apps', i, 'environments', env],
          message: `containers of ${name} (${env}) would get the same names as those of ${owner.app} (${owner.env}) in apps[${owner.index}] ("…-${joined}-v1-0"); rename one of the apps or environments`,
        });
      }
    }
  });
  return problems;
}
