/**
 * Who may call an operation. The contract declares it per route; the REST and tRPC adapters both enforce it
 * through the same service function, so the rule is written once.
 * - public: no token
 * - read: any signed-in user
 * - write: admin or staff (a viewer gets 403)
 * - admin: admin only
 */
export type Access = 'public' | 'read' | 'write' | 'admin';

/**
 * A route whose answer is a file streamed record after record (REST only: tRPC answers one JSON value), in one of
 * its formats, chosen by the query's `format`: each format's media type, the CSV's columns (fields of a record),
 * and the name the file is saved under (`contacts` → `contacts-<date>.csv`).
 */
export interface StreamSpec {
  readonly formats: { readonly csv: string; readonly ndjson: string };
  readonly csvColumns: readonly string[];
  readonly filename: string;
}

export type RouteMetadata = { readonly access: Access; readonly stream?: StreamSpec };
/** The metadata of a streamed route: the marker the adapters' types (tRPC, the SDK) leave it out by. */
export type StreamedMetadata = RouteMetadata & { readonly stream: StreamSpec };

export const meta = (access: Access): RouteMetadata => ({ access });
export const streamed = (access: Access, stream: StreamSpec): StreamedMetadata => ({ access, stream });
