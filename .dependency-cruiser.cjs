/**
 * The boundaries of DESIGN.md and STYLE.md (2, 3), checked on every `npm test`:
 * chat SDKs stay in adapters/, engine SDKs in their driver, adapters are wired only by the
 * composition root, and nothing imports in a circle (type-only imports count too).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import in one direction; a cycle means a type or a port is in the wrong file.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'chat-sdk-only-in-adapters',
      severity: 'error',
      comment: 'Only adapters/ (and the tests and benchmarks that drive them) know which chat platform is on the other end.',
      from: { path: '^(src|commands)/' },
      to: { path: '^node_modules/(@slack/|discord\\.js|@discordjs/|discord-api-types)' },
    },
    {
      name: 'dockerode-only-in-its-driver',
      severity: 'error',
      comment: 'SDK types never leave a driver: dockerode is imported by the Docker drivers (src/drivers/docker/, src/drivers/swarm/) only.',
      from: { path: '^(src|commands|adapters)/', pathNot: '^src/drivers/(docker|swarm)/' },
      to: { path: '^node_modules/(dockerode|docker-modem)/' },
    },
    {
      name: 'ssh-only-in-the-ling-driver',
      severity: 'error',
      from: { path: '^(src|commands|adapters)/', pathNot: '^src/drivers/ling/' },
      to: { path: '^node_modules/ssh2/' },
    },
    {
      name: 'core-does-not-import-adapters',
      severity: 'error',
      comment: 'src/ and commands/ see chat through neutral types; only the composition root (main.ts and its chat side, start-bot.ts) and the CLI wire adapters.',
      from: { path: '^(src|commands)/', pathNot: '^src/(main|start-bot|cli)\\.ts$' },
      to: { path: '^adapters/' },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^(src|commands|adapters)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
