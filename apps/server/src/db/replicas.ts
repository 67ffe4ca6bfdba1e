import { QueryTypes, type Sequelize } from 'sequelize';
import type { Dialect } from './connection.js';
import { isUnavailable } from './errors.js';
import { type Position, PRIMARY_POSITION_SQL, parsePosition, REPLAY_POSITION_SQL, reached } from './positions.js';

/*
 * The read replicas (DATABASE_READ_URLS) and how far each has replayed the primary's log. One loop reads the
 * primary's position and every replica's replay position together, every REPLICA_POLL_MS while reads are being
 * routed (every second otherwise; every few milliseconds while a read waits for a replica), never once per
 * request. The primary's positions, with the time each was read, say how old the oldest change a replica has not
 * replayed can be: its lag. docs/databases.md, "Read replicas".
 */

export interface ReplicaSettings {
  /** How long a read with a consistency token waits for a replica to reach it before going to the primary. */
  waitMs: number;
  /** A replica further behind than this leaves the rotation until it catches up. */
  maxLagMs: number;
  /** How often positions are read while reads are routed. */
  pollMs: number;
}

/** `up`: in the rotation; the others are not, and say why. */
export type ReplicaState = 'starting' | 'up' | 'lagging' | 'down' | 'not_replica';

export interface ReplicaStatus {
  /** `host:port/database`, never credentials. */
  name: string;
  state: ReplicaState;
  /** How old the oldest change it has not replayed can be (to within a poll); null while unknown. */
  lagMs: number | null;
  /** Reads it has served. */
  reads: number;
}

export interface Replica {
  readonly name: string;
  readonly sequelize: Sequelize;
}

/** What a read needs of a replica (db/routing.ts): a position it has replayed, or every commit before a time. */
export type ReplicaNeed = { after: Position } | { since: number };

interface Tracked extends Replica {
  state: ReplicaState;
  position?: Position;
  /** Every commit the primary finished before this time has been replayed here (0: not known). */
  coveredUntil: number;
  lagMs: number | null;
  reads: number;
}

interface Sample {
  at: number;
  position: Position;
}

interface Waiter {
  after: Position;
  resolve(replica: Tracked | undefined): void;
}

/** Polls while no read is routed, and the minimum gap between polls while reads wait. */
const IDLE_POLL_MS = 1000;
const WAITING_POLL_MS = 5;
/** Reads routed within this long keep the polls at REPLICA_POLL_MS. */
const ACTIVE_FOR_MS = 2000;
/** A poll unanswered after this long counts as a failure: the replica is down. */
const POLL_TIMEOUT_MS = 1000;
/** The primary's positions kept: at most one per this many milliseconds, over REPLICA_MAX_LAG_MS and a bit. */
const SAMPLE_SPACING_MS = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The primary's positions with the time each was read or committed, one per SAMPLE_SPACING_MS at most, over a
 * little more than REPLICA_MAX_LAG_MS: a sample says that every commit finished before its time is at or before
 * its position.
 */
class PrimaryHistory {
  private readonly samples: Sample[] = [];
  constructor(private readonly max: number) {}

  add(position: Position | undefined, at: number): void {
    if (!position) return;
    const last = this.samples.at(-1);
    if (last && at >= last.at && at - last.at < SAMPLE_SPACING_MS) {
      if (reached(position, last.position)) this.samples[this.samples.length - 1] = { at: last.at, position };
      return;
    }
    this.samples.push({ at, position });
    if (this.samples.length > this.max) this.samples.splice(0, this.samples.length - this.max);
  }

  /** The latest time before which every commit of the primary is at or before `position` (0: none known). */
  coveredUntil(position: Position): number {
    let until = 0;
    for (const s of this.samples) if (s.at > until && reached(position, s.position)) until = s.at;
    return until;
  }

  /** How far back the samples go. */
  span(now: number): number {
    return this.samples.length > 0 ? now - this.samples[0]!.at : 0;
  }
}

/** The replicas, their positions, and the choice of one for a read. */
export class ReplicaSet {
  private readonly tracked: Tracked[];
  private readonly history: PrimaryHistory;
  private readonly waiters = new Set<Waiter>();
  private demandAt = 0;
  private turn = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly primary: Sequelize,
    private readonly dialect: Exclude<Dialect, 'sqlite'>,
    replicas: Replica[],
    private readonly settings: ReplicaSettings,
  ) {
    this.tracked = replicas.map((r) => ({ ...r, state: 'starting', coveredUntil: 0, lagMs: null, reads: 0 }));
    this.history = new PrimaryHistory(Math.ceil((settings.maxLagMs * 1.5 + IDLE_POLL_MS * 2) / SAMPLE_SPACING_MS));
    this.loop = this.run();
  }

  /** A replica in rotation that meets `need`; a token's read waits up to REPLICA_WAIT_MS; undefined: the primary. */
  async choose(need: ReplicaNeed): Promise<Replica | undefined> {
    this.demandAt = Date.now();
    if ('since' in need) return this.pick((r) => r.coveredUntil >= need.since);
    const found = this.pick((r) => r.position !== undefined && reached(r.position, need.after));
    if (found || this.settings.waitMs <= 0) return found;
    // Only a replica usually less than the wait behind may reach the position within it: else the primary at once.
    const hopeful = this.tracked.some((r) => r.state === 'up' && r.lagMs !== null && r.lagMs <= this.settings.waitMs);
    return hopeful ? this.waitFor(need.after) : undefined;
  }

  /** A read on `replica` failed: an unavailable one leaves the rotation until a poll finds it again. */
  failed(replica: Replica, err: unknown): void {
    const r = this.tracked.find((t) => t === replica);
    if (r && isUnavailable(err)) {
      r.state = 'down';
      r.lagMs = null;
    }
  }

  /** A read was served by `replica`. */
  served(replica: Replica): void {
    const r = this.tracked.find((t) => t === replica);
    if (r) r.reads += 1;
  }

  /** A commit's position, and when its COMMIT was sent (transaction.ts). */
  committed(position: Position | undefined, sentAt: number): void {
    this.history.add(position, sentAt);
  }

  /** Waits until every replica in rotation has reached `position`, at most `ms`. */
  async allReached(position: Position, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const behind = () => this.tracked.some((r) => r.state === 'up' && !(r.position && reached(r.position, position)));
    while (behind() && Date.now() < deadline && !this.closed) {
      this.demandAt = Date.now();
      await sleep(Math.min(this.settings.pollMs, deadline - Date.now()));
    }
  }

  status(): ReplicaStatus[] {
    return this.tracked.map((r) => ({ name: r.name, state: r.state, lagMs: r.lagMs, reads: r.reads }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    for (const w of this.waiters) w.resolve(undefined);
    this.waiters.clear();
    await this.loop;
    await Promise.all(this.tracked.map((r) => r.sequelize.close()));
  }

  /** One of the replicas in rotation that `fits`, in turn. */
  private pick(fits: (r: Tracked) => boolean): Tracked | undefined {
    const eligible = this.tracked.filter((r) => r.state === 'up' && fits(r));
    if (eligible.length === 0) return undefined;
    this.turn = (this.turn + 1) % eligible.length;
    return eligible[this.turn];
  }

  private waitFor(after: Position): Promise<Tracked | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, this.settings.waitMs);
      const waiter: Waiter = {
        after,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.add(waiter);
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const started = Date.now();
      await this.poll();
      const interval =
        this.waiters.size > 0
          ? WAITING_POLL_MS
          : Date.now() - this.demandAt < ACTIVE_FOR_MS
            ? this.settings.pollMs
            : IDLE_POLL_MS;
      const rest = interval - (Date.now() - started);
      if (rest > 0 && !this.closed) {
        await Promise.race([sleep(rest), new Promise<void>((resolve) => (this.wake = resolve))]);
        this.wake = undefined;
      }
    }
  }

  /** The primary's position first, then every replica's: a replica's is then compared with a position as new. */
  private async poll(): Promise<void> {
    const at = Date.now();
    const rows = await withTimeout(
      this.primary.query<{ position?: unknown }>(PRIMARY_POSITION_SQL[this.dialect], {
        type: QueryTypes.SELECT,
        useMaster: true,
        logging: false,
      }),
      POLL_TIMEOUT_MS,
    ).catch(() => []);
    this.history.add(parsePosition(this.dialect, rows[0]?.position), at);
    await Promise.all(this.tracked.map((r) => this.pollReplica(r)));
    for (const w of this.waiters) {
      const found = this.pick((r) => r.position !== undefined && reached(r.position, w.after));
      if (found) {
        this.waiters.delete(w);
        w.resolve(found);
      }
    }
  }

  private async pollReplica(r: Tracked): Promise<void> {
    try {
      const [answer] = await withTimeout(
        r.sequelize.query<{ replica?: unknown; position?: unknown }>(REPLAY_POSITION_SQL[this.dialect], {
          type: QueryTypes.SELECT,
          logging: false,
        }),
        POLL_TIMEOUT_MS,
      );
      this.update(r, answer, Date.now());
    } catch {
      r.state = 'down';
      r.lagMs = null;
    }
  }

  private update(r: Tracked, answer: { replica?: unknown; position?: unknown } | undefined, at: number): void {
    if (!answer || !(answer.replica === true || answer.replica === 1 || answer.replica === '1')) {
      r.state = 'not_replica';
      r.lagMs = null;
      return;
    }
    r.position = parsePosition(this.dialect, answer.position);
    r.coveredUntil = r.position ? this.history.coveredUntil(r.position) : 0;
    r.lagMs = r.coveredUntil > 0 ? Math.max(0, at - r.coveredUntil) : null;
    if (r.lagMs !== null) r.state = r.lagMs <= this.settings.maxLagMs ? 'up' : 'lagging';
    else r.state = this.history.span(at) > this.settings.maxLagMs ? 'lagging' : 'starting';
  }
}
