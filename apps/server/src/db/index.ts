import { QueryTypes } from 'sequelize';
import { type Database, type DatabaseOptions, DEFAULT_REPLICA_SETTINGS, openDatabase } from './connection.js';
import { type ContactsRepo, contactsRepo } from './contacts/index.js';
import { type CountersRepo, countersRepo } from './counters.js';
import { type CustomersRepo, customersRepo } from './customers.js';
import { type DeliveriesRepo, deliveriesRepo } from './deliveries.js';
import { type EventsRepo, eventsRepo } from './events.js';
import { type IdempotencyRepo, idempotencyRepo } from './idempotency.js';
import { counted, inFlight } from './in-flight.js';
import { routeSelects } from './internals.js';
import { migrate } from './migrate.js';
import { type OutageReport, outageWatch } from './outage.js';
import { type Position, PRIMARY_POSITION_SQL, parsePosition } from './positions.js';
import { readiness } from './readiness.js';
import { reader } from './reads.js';
import { refreshTokensRepo } from './refresh-tokens.js';
import { type Replica, ReplicaSet, type ReplicaStatus } from './replicas.js';
import { noteCommit, type ReadRoute, replicaFailedCall, replicaForCall, routed } from './routing.js';
import { type SeedRepo, seedRepo } from './seed.js';
import { analyze } from './statistics.js';
import { inTransaction, type UnitOfWork } from './transaction.js';
import { usersRepo } from './users.js';
import { type WebhooksRepo, webhooksRepo } from './webhooks.js';

export type {
  ContactCustomer,
  ContactFilter,
  ContactOrder,
  ContactRecord,
  ContactValues,
  Keyset,
} from './contacts/index.js';
export type { CustomerFilter, CustomerLock, CustomerRecord, CustomerValues } from './customers.js';
export { customerCode } from './customers.js';
export type { AttemptResult, DeliveryRecord, DeliveryStatus, NumberedEvent } from './deliveries.js';
export { isUnavailable, violatedColumns } from './errors.js';
export type { EventRecord, NewEvent } from './events.js';
export type { KeyedRequest, KeyId } from './idempotency.js';
export type { OutageReport } from './outage.js';
export { later, type Position, positionFromText, positionText } from './positions.js';
export { fitsId } from './reads.js';
export type { RefreshTokenRecord } from './refresh-tokens.js';
export type { ReplicaState, ReplicaStatus } from './replicas.js';
export { committedBefore, type ReadRoute } from './routing.js';
export type { SeedContact, SeedCustomer } from './seed.js';
export { type CommitHook, hasCommitHook, type UnitOfWork, withCommitHook } from './transaction.js';
export type { UserRecord, UserState } from './users.js';
export type { WebhookRecord, WebhookValues } from './webhooks.js';

/**
 * The data layer as the services see it: one repository per table, units of work, and nothing of Sequelize's API
 * (a unit of work is opaque; records are plain values).
 */
export interface Store {
  dialect: Database['dialect'];
  contacts: ContactsRepo;
  customers: CustomersRepo;
  /** The counts the database keeps with triggers (migration 0002): no table scans. */
  counters: CountersRepo;
  users: ReturnType<typeof usersRepo>;
  refreshTokens: ReturnType<typeof refreshTokensRepo>;
  /** Idempotency-Keys: claims and stored answers (migration 0006). */
  idempotency: IdempotencyRepo;
  /** The record of changes (migration 0007). */
  events: EventsRepo;
  /** Webhook endpoints (migration 0008). */
  webhooks: WebhooksRepo;
  /** Webhook deliveries (migration 0009). */
  deliveries: DeliveriesRepo;
  /** Bulk inserts for synthetic data (`pnpm cli seed`), not used by the services. */
  seed: SeedRepo;
  transaction<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T>;
  /**
   * Runs one call with its reads routed (routing.ts): answers its value and the primary's position after its last
   * commit, if it committed (PostgreSQL and MariaDB).
   */
  routed<T>(route: ReadRoute, work: () => Promise<T>): Promise<{ value: T; committed?: Position }>;
  /** The primary's current log position (one query); undefined on SQLite or without a binary log. */
  position(): Promise<Position | undefined>;
  /** The read replicas (DATABASE_READ_URLS): none on SQLite. */
  replicas: {
    configured: boolean;
    status(): ReplicaStatus[];
    /** Waits until every replica in rotation has reached `position`, at most `ms`. */
    allReached(position: Position, ms: number): Promise<void>;
  };
  /** Commits a one-row write (readiness: a write transaction can start and commit, not merely a connection). */
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
  /** Brings the query planner's statistics up to date (statistics.ts). */
  analyze(): Promise<void>;
  /** Waits for the work begun to settle (a bounded time), then closes the connections. */
  close(): Promise<void>;
}

/** Sequelize's default `pool.acquire`, when the options name none. */
const DEFAULT_ACQUIRE_MS = 60_000;

export function openStore(options: DatabaseOptions, onOutage: (report: OutageReport) => void = () => {}): Store {
  const db = openDatabase(options);
  const { sequelize } = db;
  // Everything begun through the store is counted, so that close() can wait for it (in-flight.ts), and watched
  // for a database that stops answering (outage.ts).
  const pending = inFlight();
  const watched = outageWatch(onOutage);
  const calls = { run: <T>(work: () => Promise<T>) => pending.run(() => watched('read', work)) };
  const replicas =
    db.dialect !== 'sqlite' && db.replicas.length > 0
      ? new ReplicaSet(sequelize, db.dialect, db.replicas, options.replicas ?? DEFAULT_REPLICA_SETTINGS)
      : undefined;
  const failed = (replica: Replica, err: unknown) => {
    replicas?.failed(replica, err);
    replicaFailedCall();
  };
  if (replicas) {
    routeSelects(sequelize, { pick: () => replicaForCall(replicas), failed, served: (r) => replicas.served(r) });
  }
  const read = reader(sequelize, db.dialect, (replica, err) => failed(replica as Replica, err));
  const counters = countersRepo(read);
  // Without replicas nothing needs a commit's position: it is not read (commit.ts).
  const onCommit =
    replicas &&
    ((position: Position | undefined, sentAt: number) => {
      replicas.committed(position, sentAt);
      noteCommit(position);
    });
  const transaction: Store['transaction'] = (work) =>
    pending.run(() => watched('write', () => inTransaction(sequelize, work, onCommit)));
  return {
    dialect: db.dialect,
    contacts: counted(contactsRepo(sequelize, read, counters), calls),
    customers: counted(customersRepo(sequelize, read, counters), calls),
    counters: counted(counters, calls),
    users: counted(usersRepo(db.dialect !== 'sqlite'), calls),
    refreshTokens: counted(refreshTokensRepo(), calls),
    idempotency: counted(idempotencyRepo(sequelize, read, db.dialect), calls),
    events: counted(eventsRepo(sequelize, read, db.dialect), calls),
    webhooks: counted(webhooksRepo(sequelize, read), calls),
    deliveries: counted(deliveriesRepo(sequelize, read, db.dialect), calls),
    seed: seedRepo(sequelize),
    transaction,
    routed,
    position: async () => {
      if (db.dialect === 'sqlite') return undefined;
      const rows = await calls.run(() =>
        sequelize.query<{ position?: unknown }>(PRIMARY_POSITION_SQL[db.dialect as 'postgres'], {
          type: QueryTypes.SELECT,
          useMaster: true,
        }),
      );
      return parsePosition(db.dialect, rows[0]?.position);
    },
    replicas: {
      configured: replicas !== undefined,
      status: () => replicas?.status() ?? [],
      allReached: async (position, ms) => replicas?.allReached(position, ms),
    },
    ping: () => transaction((uow) => readiness(sequelize).touch(uow)),
    // Outside any call: its reads go to the primary (routing.ts).
    migrate: () => migrate(sequelize),
    analyze: () => pending.run(() => watched('write', () => analyze(sequelize, db.dialect))),
    close: async () => {
      // Bounded by the pool's acquire time, the longest any work may wait for a connection: what is still
      // running after it is stuck, not queued (and main.ts's own deadline ends the process anyway).
      await pending.drain(options.pool?.acquireMs ?? DEFAULT_ACQUIRE_MS);
      await replicas?.close();
      await db.close();
    },
  };
}
