import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RoleSchema } from '@ccm/contract';
import { exportCommand } from './cli/export.js';
import { importCommand } from './cli/import.js';
import { UsageError } from './cli/usage-error.js';
import { loadConfig } from './config.js';
import { openStore, type Store } from './db/index.js';
import { SeedError, seed } from './seed.js';
import { type Services, withActor } from './services/index.js';
import { failStartup, readEnvFile } from './startup.js';
import { servicesFor } from './wiring.js';

const USAGE = `Usage: pnpm cli <command> [options]

Commands:
  create-user --username NAME [--password PASS] [--role admin|staff|viewer] [--email ADDRESS]
      Creates a user (role staff by default). Without --password (or CCM_PASSWORD), a random one is printed.
  reset-password --username NAME [--password PASS]
      Sets a user's password (an admin who lost it); every session of the user ends. Without --password (or
      CCM_PASSWORD), asks for it at the terminal.
  demo [--customers N] [--contacts-per-customer N]
      Loads demo customers (200 by default) and contacts (up to 3 each) for trying the API.
  seed --contacts N [--customers N]
      Fills an empty database fast with valid synthetic data: N contacts over N/5 customers by default
      (for benchmarks; 1,000,000 contacts take a few minutes on SQLite).
  import FILE.csv [--dry-run] [--report FILE]
      Imports contacts from a CSV (columns customer, email, wa_number, tp_number, is_primary, is_active) in
      chunks of 1,000; --dry-run checks every row and writes nothing. Failed rows go to FILE.failed.csv (exit 1).
  export [--format csv|ndjson] [--out FILE|-] [--customer-id N] [--active true|false] [--primary true|false]
         [--search TEXT] [--ordering FIELD]
      Writes the matching contacts to a file (contacts-<date>.csv by default), as GET /api/contacts/export/ does.

The database is the server's: DATABASE_URL, or the SQLite file in DATA_DIR (a .env file here is read too).`;

const FIRST = ['Amal', 'Nimali', 'Kasun', 'Dilani', 'Ruwan', 'Sachini', 'Tharindu', 'Ishara', 'Chamara', 'Nadeesha'];
const LAST = ['Perera', 'Fernando', 'Silva', 'Jayasinghe', 'Bandara', 'Wickramasinghe', 'Gunawardena', 'Rathnayake'];

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  readEnvFile();
  const config = loadConfig();
  const store = openStore(config.database);
  await store.migrate();
  const services = servicesFor(store, config);
  try {
    if (command === 'create-user') {
      const { values } = parseArgs({
        args: rest,
        options: {
          username: { type: 'string' },
          password: { type: 'string' },
          role: { type: 'string', default: 'staff' },
          email: { type: 'string' },
        },
      });
      if (!values.username) throw new UsageError('--username is required');
      const role = RoleSchema.safeParse(values.role);
      if (!role.success) throw new UsageError('--role must be admin, staff or viewer');
      const given = values.password ?? process.env.CCM_PASSWORD;
      const password = given ?? randomBytes(12).toString('base64url');
      const user = await services.users.create({
        username: values.username,
        password,
        role: role.data,
        email: values.email,
      });
      process.stdout.write(`Created ${user.role} "${user.username}" (id ${user.id})`);
      process.stdout.write(given ? '\n' : ` with password "${password}"\n`);
    } else if (command === 'reset-password') {
      const { values } = parseArgs({
        args: rest,
        options: { username: { type: 'string' }, password: { type: 'string' } },
      });
      if (!values.username) throw new UsageError('--username is required');
      const password = values.password ?? process.env.CCM_PASSWORD ?? (await askPassword());
      const user = await services.users.resetPassword(values.username, password);
      process.stdout.write(`New password set for ${user.role} "${user.username}"; its sessions have ended.\n`);
      if (!user.is_active) process.stdout.write('The user is deactivated: an admin must reactivate it to sign in.\n');
    } else if (command === 'demo') {
      const { values } = parseArgs({
        args: rest,
        options: {
          customers: { type: 'string', default: '200' },
          'contacts-per-customer': { type: 'string', default: '3' },
        },
      });
      await loadDemo(services, Number(values.customers), Number(values['contacts-per-customer']));
    } else if (command === 'seed') {
      const { values } = parseArgs({
        args: rest,
        options: { contacts: { type: 'string' }, customers: { type: 'string' } },
      });
      const contacts = Number(values.contacts);
      if (values.contacts === undefined || !Number.isInteger(contacts) || contacts < 0) {
        throw new UsageError('--contacts must be a non-negative integer');
      }
      const customers =
        values.customers === undefined ? Math.max(1, Math.ceil(contacts / 5)) : Number(values.customers);
      if (!Number.isInteger(customers) || customers < 1) throw new UsageError('--customers must be a positive integer');
      await loadSeed(store, contacts, customers);
    } else if (command === 'import') {
      process.exitCode = await importCommand(services, rest);
    } else if (command === 'export') {
      process.exitCode = await exportCommand(services, rest);
    } else {
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
    }
  } finally {
    await store.close();
  }
}

/** Reads a password at the terminal without echoing it. */
async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY)
    throw new UsageError('give the password with --password or CCM_PASSWORD (no terminal to ask at)');
  process.stdout.write('New password: ');
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let typed = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(typed);
        }
        if (ch === '\u0003') {
          done();
          return reject(new UsageError('cancelled'));
        }
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
    };
    stdin.on('data', onData);
  });
}

async function loadDemo(services: Services, customers: number, perCustomer: number) {
  if (!Number.isInteger(customers) || customers < 1 || !Number.isInteger(perCustomer) || perCustomer < 0) {
    throw new UsageError('--customers must be a positive integer and --contacts-per-customer a non-negative one');
  }
  const run = randomBytes(3).toString('hex');
  const progress = (done: number) => process.stdout.write(`\rdemo data: ${done}/${customers} customers`);
  let contacts = 0;
  for (let i = 0; i < customers; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const username = `${first}.${last}.${run}${i}`.toLowerCase();
    const customer = await services.customers.create({
      username,
      email: `${username}@example.com`,
      first_name: first,
      last_name: last,
      nic: `${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}V`,
      is_verified: i % 3 === 0,
      is_active: i % 17 !== 0,
    });
    const count = customer.is_active ? 1 + (i % Math.max(perCustomer, 1)) : 0;
    const items = Array.from({ length: Math.min(count, perCustomer) }, (_, k) => ({
      customer: customer.id,
      email: `${username}.${k}@example.com`,
      wa_number: `077${String((i * 7 + k * 1_000_003) % 10_000_000).padStart(7, '0')}`,
      tp_number: `0112${String((i * 13 + k * 100_003) % 1_000_000).padStart(6, '0')}`,
      is_primary: k === 0,
      is_active: k !== 2,
    }));
    if (items.length > 0) contacts += (await services.contacts.bulkCreate(items)).created_contacts.length;
    if ((i + 1) % 25 === 0 || i + 1 === customers) progress(i + 1);
  }
  process.stdout.write(`\ndemo data: created ${customers} customers and ${contacts} contacts\n`);
}

async function loadSeed(store: Store, contacts: number, customers: number) {
  const started = Date.now();
  const line = (done: { customers: number; contacts: number }) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = Math.round((done.customers + done.contacts) / Math.max(seconds, 0.001));
    return `seed: ${done.contacts.toLocaleString('en')}/${contacts.toLocaleString('en')} contacts, ${done.customers.toLocaleString('en')}/${customers.toLocaleString('en')} customers, ${seconds.toFixed(1)} s (${rate.toLocaleString('en')} rows/s)`;
  };
  let last = { customers: 0, contacts: 0 };
  await seed(store, {
    contacts,
    customers,
    progress: (done) => {
      last = done;
      process.stdout.write(`\r${line(done)}`);
    },
  });
  process.stdout.write(`\r${line(last)}\n`);
}

// Every change a command makes is recorded as the command line's (services/events.ts).
withActor({ type: 'cli' }, null, main).catch((err) => {
  if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
  else if (err instanceof SeedError) process.stderr.write(`${err.message}\n`);
  else failStartup(err);
  process.exit(1);
});
