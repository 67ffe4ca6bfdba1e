import { parseArgs } from 'node:util';

export interface Args {
  contacts: number;
  customers: number;
  /** Seconds of measured load per scenario and target. */
  duration: number;
  /** Seconds of unmeasured load before each measurement (0: none). */
  warmup: number;
  connections: number;
  /** Server processes (WORKERS) of the server and of each baseline. */
  workers: number;
  /** Scenario names to run; undefined: all. */
  scenarios: string[] | undefined;
  /** Build the database again even when a cached one of the right size exists. */
  fresh: boolean;
  /** A streaming replica of DATABASE_URL's server: the server reads from its copy of the bench database. */
  replica: string | undefined;
}

export const USAGE = `Usage: pnpm bench [options]

  --contacts N        contacts in the database (default 100000)
  --customers N       customers (default contacts/5)
  --duration S        seconds of load per scenario and target (default 10)
  --warmup S          seconds of unmeasured load before each measurement (default 1; 0: none)
  --connections N     concurrent connections (default 32)
  --workers N         server processes, for the server and each baseline (default 2)
  --scenarios a,b     run only these scenarios (see the list below)
  --fresh             build the database again instead of reusing the cached one
  --replica URL       a streaming replica of DATABASE_URL's server (postgres://…, mariadb://…, no database):
                      the server reads from its copy of the bench database (DATABASE_READ_URLS); run once
                      with and once without it to compare (docs/benchmarks.md)
  --help

The database: SQLite (a cached file per size in apps/bench/data/) unless DATABASE_URL names a PostgreSQL or
MariaDB server, where the database ccm_bench_<contacts> is created, or reused when it has the right size.`;

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ArgsError(`--${name} must be an integer of at least ${min}`);
  return n;
}

export class ArgsError extends Error {}

export function parse(argv: string[]): Args | 'help' {
  // `pnpm bench -- --contacts 10` passes the `--` along.
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      contacts: { type: 'string' },
      customers: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      workers: { type: 'string' },
      scenarios: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      replica: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const contacts = positiveInt('contacts', values.contacts, 100_000);
  return {
    contacts,
    customers: positiveInt('customers', values.customers, Math.max(1, Math.ceil(contacts / 5))),
    duration: positiveInt('duration', values.duration, 10),
    warmup: positiveInt('warmup', values.warmup, 1, 0),
    connections: positiveInt('connections', values.connections, 32),
    workers: positiveInt('workers', values.workers, 2),
    scenarios: values.scenarios
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    fresh: values.fresh ?? false,
    replica: values.replica,
  };
}
