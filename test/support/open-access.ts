/**
 * For tests that are not about access control: everyone may deploy (a grant voxoz.yml can give
 * too) and nothing waits for an approval. Tests of access and approvals write their own.
 */
export const OPEN_ACCESS_YAML = 'access:\n  grants:\n    - { to: [everyone], role: deployer }\napprovals:\n  rules: []\n';

/** `yaml` with OPEN_ACCESS_YAML added, unless it has access or approval rules of its own. */
export const withOpenAccess = (yaml: string) => (/^(access|approvals):/m.test(yaml) ? yaml : `${yaml.trimEnd()}\n${OPEN_ACCESS_YAML}`);
