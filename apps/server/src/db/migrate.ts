import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import * as initial from './migrations/0001-initial.js';
import * as counters from './migrations/0002-counters.js';
import * as search from './migrations/0003-search.js';
import * as counterShards from './migrations/0004-counter-shards.js';
import * as accounts from './migrations/0005-accounts.js';
import * as versions from './migrations/0006-versions-idempotency.js';
import * as events from './migrations/0007-events.js';
import * as webhooks from './migrations/0008-webhooks.js';
import * as deliveries from './migrations/0009-webhook-deliveries.js';
import * as numberPrefixes from './migrations/0010-number-prefixes.js';
import * as contactSearch from './migrations/0011-contact-search.js';

/** Every migration, in order. Listed here, not globbed, so that the built server needs no file lookups. */
const migrations = [
  { name: '0001-initial', ...initial },
  { name: '0002-counters', ...counters },
  { name: '0003-search', ...search },
  { name: '0004-counter-shards', ...counterShards },
  { name: '0005-accounts', ...accounts },
  { name: '0006-versions-idempotency', ...versions },
  { name: '0007-events', ...events },
  { name: '0008-webhooks', ...webhooks },
  { name: '0009-webhook-deliveries', ...deliveries },
  { name: '0010-number-prefixes', ...numberPrefixes },
  { name: '0011-contact-search', ...contactSearch },
];

export function migrator(sequelize: Sequelize) {
  return new Umzug({
    migrations: migrations.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

/** Applies pending migrations; returns their names. */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  if (sequelize.getDialect() === 'sqlite') {
    // WAL lets readers go on while one writer holds the lock; the setting is kept in the file.
    await sequelize.query('PRAGMA journal_mode = WAL');
  }
  const done = await migrator(sequelize).up();
  return done.map((m) => m.name);
}
