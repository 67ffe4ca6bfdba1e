import { asNumber, type Reader } from './reads.js';

type ContactFlags = { isActive?: boolean; isPrimary?: boolean };

/** The statement that reads the number of contacts with these flags (`n`), for a read of its own or a subquery. */
export function contactCountSql(filter: ContactFlags): { sql: string; params: boolean[] } {
  const conditions: string[] = [];
  const params: boolean[] = [];
  if (filter.isActive !== undefined) {
    conditions.push('is_active = ?');
    params.push(filter.isActive);
  }
  if (filter.isPrimary !== undefined) {
    conditions.push('is_primary = ?');
    params.push(filter.isPrimary);
  }
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return { sql: `SELECT SUM(n) AS n FROM contact_counts${where}`, params };
}

/**
 * Reads of the counters the database keeps with triggers (migrations 0002-counters, 0004-counter-shards): a few
 * rows each, whatever the size of the tables. contact_counts has one row per (is_active, is_primary) and
 * customer_counts the rows 'customers' and 'with_contacts', each once per shard on PostgreSQL and MariaDB
 * (once on SQLite): every read SUMs.
 */
export function countersRepo(read: Reader) {
  const one = async (sql: string, params: unknown[] = []) => (await read.select(sql, params))[0];
  const n = (v: unknown) => (v === null || v === undefined ? 0 : asNumber(v));

  return {
    /** The contacts matching these flags (all of them without any). */
    async contactCount(filter: ContactFlags = {}): Promise<number> {
      const count = contactCountSql(filter);
      return n((await one(count.sql, count.params))?.n);
    },

    async customerCount(): Promise<number> {
      return n((await one("SELECT SUM(n) AS n FROM customer_counts WHERE name = 'customers'"))?.n);
    },

    /** The statistics' figures, in one statement. */
    async stats() {
      const row = await one(
        `SELECT
           (SELECT SUM(n) FROM contact_counts) AS total,
           (SELECT SUM(n) FROM contact_counts WHERE is_active = TRUE) AS active,
           (SELECT SUM(n) FROM contact_counts WHERE is_primary = TRUE) AS primaries,
           (SELECT SUM(n) FROM customer_counts WHERE name = 'with_contacts') AS with_contacts,
           (SELECT SUM(n) FROM customer_counts WHERE name = 'customers') AS customers`,
      );
      return {
        total: n(row?.total),
        active: n(row?.active),
        primaries: n(row?.primaries),
        withContacts: n(row?.with_contacts),
        customers: n(row?.customers),
      };
    },
  };
}

export type CountersRepo = ReturnType<typeof countersRepo>;
