import type { ErrorCollector } from './errors.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const int = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** A text input as a modal submission reports it back: its custom_id and limits. */
export interface ModalTextInput {
  customId: string;
  /** The component's numeric id (Discord numbers components when the app gives none). */
  id: number;
  label: string;
  required: boolean;
  minLength: number;
  maxLength: number;
}

/**
 * Validates the data of a modal callback (type 9) as Discord does for the classic layout:
 * title 1..45, custom_id 1..100, 1..5 action rows each holding exactly one text input (type 4)
 * with custom_id 1..100 (unique in the modal), style 1 or 2, label 1..45, min_length 0..4000,
 * max_length 1..4000 (min ≤ max), placeholder ≤ 100, value ≤ 4000 and within max_length.
 * Label (type 18) and the other modal components are not simulated: refused here.
 * Returns the text inputs in order, for the submission.
 */
export function validateModal(data: Record<string, unknown>, errs: ErrorCollector): ModalTextInput[] {
  const d = ['data'];
  if (typeof data.custom_id !== 'string' || data.custom_id.length < 1 || data.custom_id.length > 100)
    errs.add([...d, 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  if (typeof data.title !== 'string' || data.title.length < 1 || data.title.length > 45)
    errs.add([...d, 'title'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 45 in length.');
  const rows = data.components;
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > 5) {
    errs.add([...d, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
    return [];
  }
  const inputs: ModalTextInput[] = [];
  const seen = new Set<string>();
  rows.forEach((row: unknown, r) => {
    const rp = [...d, 'components', r];
    if (!isObj(row) || row.type !== 1) return errs.add([...rp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
    if (!Array.isArray(row.components) || row.components.length !== 1)
      return errs.add([...rp, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 1 in length.');
    const c: unknown = row.components[0];
    const cp = [...rp, 'components', 0];
    if (!isObj(c) || c.type !== 4) return errs.add([...cp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (4,).');
    const before = errs.count;
    if (typeof c.custom_id !== 'string' || c.custom_id.length < 1 || c.custom_id.length > 100)
      errs.add([...cp, 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    else if (seen.has(c.custom_id))
      errs.add([...cp, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
    else seen.add(c.custom_id);
    if (c.style !== 1 && c.style !== 2) errs.add([...cp, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
    if (typeof c.label !== 'string' || c.label.length < 1 || c.label.length > 45)
      errs.add([...cp, 'label'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 45 in length.');
    if (c.min_length !== undefined && !int(c.min_length, 0, 4000))
      errs.add([...cp, 'min_length'], 'NUMBER_TYPE_MAX', 'int value should be between 0 and 4000.');
    if (c.max_length !== undefined && !int(c.max_length, 1, 4000))
      errs.add([...cp, 'max_length'], 'NUMBER_TYPE_MAX', 'int value should be between 1 and 4000.');
    const min = int(c.min_length, 0, 4000) ? c.min_length : 0;
    const max = int(c.max_length, 1, 4000) ? c.max_length : 4000;
    if (min > max) errs.add([...cp, 'min_length'], 'TEXT_INPUT_MIN_MAX', 'min_length must be less than or equal to max_length.');
    if (c.placeholder !== undefined && (typeof c.placeholder !== 'string' || c.placeholder.length > 100))
      errs.add([...cp, 'placeholder'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    if (c.value !== undefined && (typeof c.value !== 'string' || c.value.length > max))
      errs.add([...cp, 'value'], 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    if (c.required !== undefined && typeof c.required !== 'boolean')
      errs.add([...cp, 'required'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
    if (errs.count === before)
      inputs.push({
        customId: String(c.custom_id),
        id: typeof c.id === 'number' ? c.id : 2 * r + 2,
        label: String(c.label),
        required: c.required !== false,
        minLength: min,
        maxLength: max,
      });
  });
  return inputs;
}
