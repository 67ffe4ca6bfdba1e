import { z } from 'zod';

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadySchema = z.object({ status: z.literal('ready'), database: z.literal('ok') });

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
