/**
 * The server's test support, for the other packages' tests too (`import … from '@ccm/server/testing'`): the real
 * app on an ephemeral port of 127.0.0.1 with a fresh database, the test users, an HTTP client, valid bodies, and
 * every operation through either adapter.
 */
export { ADAPTERS, type Adapter, type Answer, operations } from './adapters.js';
export { contactBody, createContact, createCustomer, customerBody } from './factories.js';
export { test } from './fixture.js';
export { type Api, api, type Res } from './http.js';
export { type PrivateServer, startPostgresReplica, startPrivatePostgres } from './private-db.js';
export { type Caller, concurrently, round, SCENARIOS, type Scenario } from './read-your-writes.js';
export { type Receiver, startReceiver } from './receiver.js';
export { canReplicate, type ReplicatedServer, startReplicatedServer } from './replicated.js';
export { PASSWORDS, startTestServer, type TestServer } from './server.js';
