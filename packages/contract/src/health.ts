import { z } from 'zod';

export const HealthSchema = z.object({ status: z.literal('ok') });
/** A read replica as readiness reports it: in rotation (`up`) or why not, and how far behind (docs/databases.md). */
export const ReplicaReadinessSchema = z.object({
  /** `host:port/database`. */
  name: z.string(),
  state: z.enum(['starting', 'up', 'lagging', 'down', 'not_replica']),
  /** How old the oldest change it has not replayed can be, in milliseconds; null while unknown. */
  lag_ms: z.number().nullable(),
});

/** Ready: the primary takes writes. A replica that is down only leaves the rotation: it never makes this fail. */
export const ReadySchema = z.object({
  status: z.literal('ready'),
  database: z.literal('ok'),
  /** Only with read replicas (DATABASE_READ_URLS). */
  replicas: z.array(ReplicaReadinessSchema).optional(),
});

/** `GET /api/`: what this API is and where to read about it. */
export const ApiIndexSchema = z.object({
  name: z.string(),
  /** The API's version: the contract's, the OpenAPI document's and the SDK's (docs/sdk.md). */
  version: z.string(),
  /** The interactive reference page. */
  docs: z.string(),
  openapi: z.string(),
  health: z.string(),
  ready: z.string(),
});
export type ApiIndex = z.infer<typeof ApiIndexSchema>;
