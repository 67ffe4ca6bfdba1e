import { type PrivateServer, startPostgresReplica, startPrivatePostgres } from './private-db.js';
import { startTestServer, type TestServer } from './server.js';

/** A server on a private PostgreSQL primary that reads from a streaming replica of it, which lags. */
export interface ReplicatedServer {
  t: TestServer;
  primary: PrivateServer;
  replica: PrivateServer;
  /** The reads the replica has served (`ccm_replica_reads_total` of /metrics). */
  replicaReads(): Promise<number>;
  /** The replica's state as /api/ready/ reports it. */
  replicaState(): Promise<string>;
  close(): Promise<void>;
}

/** Where a server can run it: PostgreSQL's tools are there and the test may run them as `postgres` (root). */
export const canReplicate = () => /^postgres/.test(process.env.TEST_DATABASE_URL ?? '') && process.getuid?.() === 0;

/**
 * A private primary, its hot standby applying commits `applyDelayMs` late, and a server on both (`env` on top);
 * resolves once the replica is in rotation.
 */
export async function startReplicatedServer(
  applyDelayMs: number,
  env: Record<string, string> = {},
  servers = 1,
): Promise<ReplicatedServer & { others: TestServer[] }> {
  const primary = await startPrivatePostgres();
  const started: Closable[] = [primary];
  try {
    const replica = await startPostgresReplica(primary, applyDelayMs);
    started.push(replica);
    const url = await primary.createDatabase('ccm_replicated');
    const replicaUrl = Object.assign(new URL(replica.url), { pathname: '/ccm_replicated' }).href;
    const settings = { DATABASE_URL: url, DATABASE_READ_URLS: replicaUrl, ...env };
    // One after the other: the first migrates the database.
    const all: TestServer[] = [];
    for (let i = 0; i < servers; i++) {
      all.push(await startTestServer(settings));
      started.push(all[i]!);
    }
    const [t, ...others] = all;
    const state = async () => (await t!.anon.get('/api/ready/')).body.data?.replicas?.[0]?.state as string;
    for (let waited = 0; (await state()) !== 'up'; waited += 50) {
      if (waited > 20_000) throw new Error(`the replica is not in rotation: ${await state()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      t: t!,
      others,
      primary,
      replica,
      replicaState: state,
      async replicaReads() {
        const metrics = (await t!.anon.get('/metrics')).text;
        return Number(/^ccm_replica_reads_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
      },
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

type Closable = { close?(): Promise<void>; dispose?(): Promise<void> };

async function closeAll(started: Closable[]) {
  for (const s of started.reverse()) await (s.dispose?.() ?? s.close?.())?.catch(() => {});
}
