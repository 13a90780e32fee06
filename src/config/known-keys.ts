import type { z } from 'zod';

type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The schema inside defaults, optionals, pipes and the like: what the value itself is checked against. */
function unwrap(schema: unknown): unknown {
  for (let i = 0; i < 16; i++) {
    const def = defOf(schema);
    if (!def) return undefined;
    if (def.innerType) schema = def.innerType;
    else if (def.type === 'pipe') schema = def.in;
    else if (def.type === 'lazy' && typeof def.getter === 'function') schema = (def.getter as () => unknown)();
    else return schema;
  }
  return schema;
}

/** The object schemas a value at this place may be (a union gives each of its object options). */
function objectsOf(schema: unknown): Record<string, unknown>[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def?.type === 'object') return [def.shape as Record<string, unknown>];
  if (def?.type === 'union') return (def.options as unknown[]).flatMap(objectsOf);
  return [];
}

/**
 * The keys a config object at `path` may have (`['apps', 0, 'health']` gives an app's health
 * keys), for a typo's suggestion; none when the schema there is not an object the walk knows.
 */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let here: unknown[] = [schema];
  for (const key of path) {
    here = here.flatMap((s) => {
      const def = defOf(unwrap(s));
      if (typeof key === 'number') return def?.type === 'array' ? [def.element] : [];
      if (def?.type === 'record') return [def.valueType];
      return objectsOf(s).flatMap((shape) => (Object.hasOwn(shape, String(key)) ? [shape[String(key)]] : []));
    });
  }
  return [...new Set(here.flatMap(objectsOf).flatMap((shape) => Object.keys(shape)))];
}
