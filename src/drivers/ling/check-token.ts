/** Every token sent to a Xen host's wrapper: a verb, a domain name, a sha256 or a count. Nothing else ever reaches SSH. */
const TOKEN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function checkTokens(command: readonly string[]): void {
  if (command.length === 0 || command.length > 3) throw new Error(`a wrapper command has 1 to 3 tokens, got ${command.length}`);
  for (const t of command) if (!TOKEN.test(t)) throw new Error(`refusing to send ${JSON.stringify(t)} to a Xen host: tokens are [a-z0-9-]`);
}
