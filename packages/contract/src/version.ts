/**
 * The API's version, for the OpenAPI document and `GET /api/`: the same as this package's and the SDK's, which
 * changesets version together (`.changeset/config.json`, a fixed group; docs/sdk.md). A test keeps it equal to
 * package.json.
 */
export const API_VERSION = '1.0.0';
