import type { ErrorCollector } from './errors.ts';

type Path = Array<string | number>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

/**
 * Validates message components (action rows only; Components V2 is not simulated):
 * ≤5 rows, 1-5 buttons per row (a select menu fills a row alone), button style 1-5, link
 * buttons (style 5) need `url` and no `custom_id`, others need `custom_id` 1-100, unique in the
 * message; labels ≤80. Errors go into `errs` under `path` (normally `['components']`).
 */
export function validateComponents(components: unknown, errs: ErrorCollector, path: Path): void {
  if (!Array.isArray(components)) {
    errs.add(path, 'BASE_TYPE_LIST', 'Must be a list.');
    return;
  }
  if (components.length > 5) errs.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  const seen = new Set<string>();
  components.forEach((row: unknown, r) => {
    const rp = [...path, r];
    if (!isObj(row) || row.type !== 1) {
      errs.add([...rp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
      return;
    }
    const kids = row.components;
    if (!Array.isArray(kids) || kids.length < 1 || kids.length > 5) {
      errs.add([...rp, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
      return;
    }
    kids.forEach((c: unknown, i) => {
      const cp = [...rp, 'components', i];
      if (!isObj(c)) return errs.add(cp, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      if (c.type === 2) validateButton(c, errs, cp, seen);
      else if (typeof c.type === 'number' && SELECT_TYPES.has(c.type)) {
        if (kids.length > 1) errs.add(cp, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
        checkCustomId(c.custom_id, errs, cp, seen);
        if (typeof c.placeholder === 'string' && c.placeholder.length > 150)
          errs.add([...cp, 'placeholder'], 'BASE_TYPE_MAX_LENGTH', 'Must be 150 or fewer in length.');
        if (c.type === 3 && (!Array.isArray(c.options) || c.options.length < 1 || c.options.length > 25)) {
          errs.add([...cp, 'options'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
        }
      } else errs.add([...cp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).');
    });
  });
}

function validateButton(c: Record<string, unknown>, errs: ErrorCollector, cp: Path, seen: Set<string>): void {
  const style = c.style;
  if (typeof style !== 'number' || !Number.isInteger(style) || style < 1 || style > 5) {
    errs.add([...cp, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5}.');
    return;
  }
  if (c.label !== undefined && (typeof c.label !== 'string' || c.label.length > 80)) {
    errs.add([...cp, 'label'], 'BASE_TYPE_MAX_LENGTH', 'Must be 80 or fewer in length.');
  }
  if (c.label === undefined && c.emoji === undefined) errs.add(cp, 'COMPONENT_INVALID_BUTTON', 'A button must have a label or an emoji');
  if (style === 5) {
    if (typeof c.url !== 'string' || !/^(https?|discord):\/\/\S+$/.test(c.url) || c.url.length > 512) {
      errs.add([...cp, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
    }
    if (c.custom_id !== undefined)
      errs.add([...cp, 'custom_id'], 'BUTTON_COMPONENT_LINK_HAS_CUSTOM_ID', 'A link button cannot have a custom id');
    return;
  }
  if (c.url !== undefined) errs.add([...cp, 'url'], 'BUTTON_COMPONENT_NOT_LINK_HAS_URL', 'A non-link button cannot have a url');
  checkCustomId(c.custom_id, errs, cp, seen);
}

function checkCustomId(id: unknown, errs: ErrorCollector, cp: Path, seen: Set<string>): void {
  if (typeof id !== 'string' || id.length < 1 || id.length > 100) {
    errs.add([...cp, 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    return;
  }
  if (seen.has(id)) errs.add([...cp, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  seen.add(id);
}

/** Custom ids of all buttons/selects in stored components (to check a clicked one exists). */
export function customIds(components: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(components)) return out;
  for (const row of components) {
    if (!isObj(row) || !Array.isArray(row.components)) continue;
    for (const c of row.components) if (isObj(c) && typeof c.custom_id === 'string') out.push(c.custom_id);
  }
  return out;
}
