/** `scheme://userinfo@` at the start of a URL; greedy up to the last `@` before the path, so `user:p@ss@host` counts whole. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i;
/** The same anywhere in a text, where quotes and brackets also end a URL (JSON, HTML, shell output). */
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'`<>]*@/gi;

/**
 * A URL as voxoz may print it: without its userinfo (`https://<token>@host/a.git` →
 * `https://host/a.git`), since tokens in git URLs must never reach chat, Redis or a log.
 * Everything else is kept as written. Used wherever a URL is logged or put in an error.
 */
export function displayUrl(url: string): string {
  return url.replace(USERINFO, '$1');
}

/** `text` with the userinfo of every URL in it removed (logged command lines, program output). */
export function redactUrls(text: string): string {
  // Most lines hold no URL: the search for `://` is cheaper than the pattern's.
  return text.includes('://') ? text.replace(USERINFO_IN_TEXT, '$1') : text;
}
