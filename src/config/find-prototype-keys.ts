/**
 * Paths of `__proto__` keys anywhere in parsed YAML/JSON. Assigning such a key replaces an
 * object's prototype instead of adding an entry, so the schema would drop it without a word:
 * it is reported as a config error instead.
 */
export function findPrototypeKeys(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findPrototypeKeys(v, [...path, i]));
  return Object.keys(value).flatMap((key) =>
    key === '__proto__' ? [[...path, key]] : findPrototypeKeys((value as Record<string, unknown>)[key], [...path, key]),
  );
}
