/** A range of TCP ports, both ends included. */
export interface PortRange {
  from: number;
  to: number;
}

/** "20000-20099" as written in voxoz.yml. */
export const PORT_RANGE = /^(\d{4,5})-(\d{4,5})$/;

/** Where replicas listen unless an environment has ports of its own: below Linux's ephemeral ports (32768-60999). @defaultValue "20000-29999" */
export const DEFAULT_REPLICA_PORTS = '20000-29999';

/** Reads "from-to"; callers have validated the text (PORT_RANGE). */
export function parsePortRange(text: string): PortRange {
  const [, from, to] = PORT_RANGE.exec(text) ?? [];
  return { from: Number(from), to: Number(to) };
}
