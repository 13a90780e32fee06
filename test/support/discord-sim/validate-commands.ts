import { ErrorCollector } from './errors.ts';

type Path = Array<string | number>;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Discord's chat-input name rule (the lowercase check is separate). */
export const COMMAND_NAME = /^[-_\p{L}\p{N}]{1,32}$/u;
const SUB = 1;
const GROUP = 2;
const CHOICE_TYPES = new Set([3, 4, 10]);

/**
 * Validates a bulk-overwrite list of application commands like Discord: chat-input names
 * 1-32 chars matching `^[-_\p{L}\p{N}]{1,32}$` and lowercase, descriptions 1-100 (user/message
 * commands: name 1-32, empty description), ≤25 options per level, option types 1-11,
 * subcommand groups only at top level holding only subcommands, no mixing subcommands with
 * plain options, required before optional, unique names, ≤25 choices (string/int/number only,
 * not with autocomplete), ≤100 commands, no duplicate name per type. Throws 400 50035.
 */
export function validateCommands(list: unknown): Array<Record<string, unknown>> {
  const errs = new ErrorCollector();
  if (!Array.isArray(list)) {
    errs.add([], 'BASE_TYPE_LIST', 'Must be a list.');
    errs.throwIfAny();
    return [];
  }
  if (list.length > 100) errs.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const names = new Set<string>();
  list.forEach((cmd: unknown, i) => {
    if (!isObj(cmd)) return errs.add([i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    validateCommand(cmd, errs, [i]);
    const key = `${String(cmd.type ?? 1)}:${String(cmd.name)}`;
    if (names.has(key)) errs.add([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
    names.add(key);
  });
  errs.throwIfAny();
  return list as Array<Record<string, unknown>>;
}

/** An optional list of unique values from `allowed` (null means unset, as Discord reads it). */
function checkEnumList(v: unknown, allowed: number[], errs: ErrorCollector, p: Path): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) return errs.add(p, 'BASE_TYPE_LIST', 'Must be a list.');
  v.forEach((x: unknown, i) => {
    if (typeof x !== 'number' || !allowed.includes(x))
      errs.add([...p, i], 'BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`);
  });
  if (new Set(v).size !== v.length) errs.add(p, 'BASE_TYPE_UNIQUE', 'Values must be unique.');
}

/**
 * The fields every command type shares that decide who sees it where: `contexts` (0 guild,
 * 1 bot DM, 2 private channel), `integration_types` (0 guild install, 1 user install),
 * `default_member_permissions` (a permission bitfield as a string of digits, or null).
 */
function checkVisibility(cmd: Record<string, unknown>, errs: ErrorCollector, p: Path): void {
  checkEnumList(cmd.contexts, [0, 1, 2], errs, [...p, 'contexts']);
  checkEnumList(cmd.integration_types, [0, 1], errs, [...p, 'integration_types']);
  const perms = cmd.default_member_permissions;
  if (perms !== undefined && perms !== null && (typeof perms !== 'string' || !/^\d{1,20}$/.test(perms))) {
    errs.add([...p, 'default_member_permissions'], 'NUMBER_TYPE_COERCE', `Value "${String(perms)}" is not snowflake.`);
  }
  if (cmd.dm_permission !== undefined && cmd.dm_permission !== null && typeof cmd.dm_permission !== 'boolean') {
    errs.add([...p, 'dm_permission'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
  }
}

/** Validates one command (also used for POST of a single command). */
export function validateCommand(cmd: Record<string, unknown>, errs: ErrorCollector, p: Path): void {
  const type = cmd.type ?? 1;
  checkVisibility(cmd, errs, p);
  if (type !== 1 && type !== 2 && type !== 3 && type !== 4) {
    return errs.add([...p, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4}.');
  }
  if (type !== 1) {
    if (typeof cmd.name !== 'string' || cmd.name.length < 1 || cmd.name.length > 32) {
      errs.add([...p, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
    }
    if (cmd.description)
      errs.add([...p, 'description'], 'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION', 'Context menu commands cannot have description');
    if (cmd.options !== undefined && type !== 4)
      errs.add([...p, 'options'], 'APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED', 'Context menu commands cannot have options');
    return;
  }
  checkNameDesc(cmd, errs, p);
  if (cmd.options !== undefined && cmd.options !== null) checkOptions(cmd.options, errs, [...p, 'options'], 0);
}

function checkNameDesc(o: Record<string, unknown>, errs: ErrorCollector, p: Path): void {
  const name = o.name;
  if (typeof name !== 'string' || !COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
    errs.add([...p, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  const d = o.description;
  if (typeof d !== 'string' || d.length < 1 || d.length > 100) {
    errs.add([...p, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
}

function checkOptions(options: unknown, errs: ErrorCollector, p: Path, depth: number): void {
  if (!Array.isArray(options)) return errs.add(p, 'BASE_TYPE_LIST', 'Must be a list.');
  if (options.length > 25) errs.add(p, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  const names = new Set<string>();
  let sawOptional = false;
  let subs = 0;
  options.forEach((o: unknown, i) => {
    const op = [...p, i];
    if (!isObj(o)) return errs.add(op, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    checkNameDesc(o, errs, op);
    if (typeof o.name === 'string') {
      if (names.has(o.name)) errs.add([...op, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option names must be unique');
      names.add(o.name);
    }
    const t = o.type;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 11) {
      return errs.add([...op, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.');
    }
    if (t === SUB || t === GROUP) {
      subs += 1;
      if (t === GROUP && depth > 0)
        errs.add([...op, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Subcommand groups cannot be nested');
      if (t === SUB && depth > 1)
        errs.add([...op, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Subcommands cannot be nested this deep');
      if (o.required) errs.add([...op, 'required'], 'APPLICATION_COMMAND_OPTION_REQUIRED_INVALID', 'Subcommands cannot be required');
      if (o.options !== undefined) {
        if (t === GROUP && Array.isArray(o.options) && o.options.some((c) => !isObj(c) || c.type !== SUB)) {
          errs.add([...op, 'options'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Subcommand groups may only contain subcommands');
        }
        checkOptions(o.options, errs, [...op, 'options'], depth + 1);
      }
      return;
    }
    if (o.required === true && sawOptional) {
      errs.add(
        [...op, 'required'],
        'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
        'Required options must be placed before non-required options',
      );
    }
    if (o.required !== true) sawOptional = true;
    if (o.choices !== undefined && o.choices !== null) {
      if (!CHOICE_TYPES.has(t))
        errs.add(
          [...op, 'choices'],
          'APPLICATION_COMMAND_OPTION_CHOICES_INVALID',
          'Choices are only valid for string, integer and number options',
        );
      else if (!Array.isArray(o.choices) || o.choices.length > 25)
        errs.add([...op, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      else if (o.autocomplete)
        errs.add([...op, 'autocomplete'], 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID', 'Autocomplete cannot be used with choices');
      else o.choices.forEach((c: unknown, j) => checkChoice(c, t, errs, [...op, 'choices', j]));
    }
  });
  if (subs > 0 && subs !== options.length) {
    errs.add(
      p,
      'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
      'Sub-command and sub-command group option types are mutually exclusive to all other types',
    );
  }
}

function checkChoice(c: unknown, t: number, errs: ErrorCollector, p: Path): void {
  if (!isObj(c) || typeof c.name !== 'string' || c.name.length < 1 || c.name.length > 100) {
    return errs.add([...p, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  const ok =
    t === 3 ? typeof c.value === 'string' && c.value.length <= 100 : typeof c.value === 'number' && (t !== 4 || Number.isInteger(c.value));
  if (!ok) errs.add([...p, 'value'], 'BASE_TYPE_CHOICES', 'Choice value does not match the option type');
}
