/** A replica the health gate waits for. */
export interface NewReplica {
  id: string;
  /** The port it was given; it listens on 127.0.0.1 of the engine's host (host networking). */
  port: number;
}
