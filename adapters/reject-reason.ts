/**
 * A Reject's reason as it comes from a platform's form (Slack modal, Discord modal, the local
 * page's prompt). One limit for all three, so a reason reads the same wherever it was typed.
 */

/** Longest reason the Reject forms take; the forms stop the user there. @defaultValue 500 */
export const REASON_MAX = 500;

/**
 * The reason to record: whitespace runs (line breaks included) become one space, so it reads as
 * one line in "Rejected by X at T: …"; empty or absent means none. A longer one is cut to
 * REASON_MAX: the forms never send more, so only a forged request could.
 */
export function cleanReason(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = Array.from(raw.replace(/[\s\p{Cc}]+/gu, ' ').trim())
    .slice(0, REASON_MAX)
    .join('')
    .trim();
  return text === '' ? undefined : text;
}
