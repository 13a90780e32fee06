/** "2026-12-02 14:03 UTC" from an ISO time: what chat shows for when a lock, release or job began. */
export function utcMinute(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}

/** "2026-12-02 14:03:09 UTC" from an ISO time: when a scheduled job runs (to the second, as a burst's end is given). */
export function utcSecond(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
}
