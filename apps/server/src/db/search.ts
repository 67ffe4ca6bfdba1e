import { literal, type Sequelize } from 'sequelize';

/**
 * The list searches: a row matches when any term is a case-insensitive substring of any searched column.
 * The answer is always decided by `LOWER(col) LIKE '%term%'` (the same on every dialect); the indexes of
 * migration 0003 only narrow the rows it is tried on:
 *
 * - PostgreSQL: pg_trgm GIN indexes on LOWER(col) answer that very LIKE (the planner rechecks it on the rows).
 *   Each table's columns are tested on that table alone, and a contact's customer by `customer_id = ANY
 *   (ARRAY(subquery))`, so that every branch of the OR is an index scan (a BitmapOr), not a scan of a join.
 * - SQLite: the FTS5 trigram tables (`contacts_fts`, `customers_fts`) give the candidate ids, and the LIKE is
 *   checked on those rows alone. The trigram tokenizer folds case across Unicode while SQLite's LOWER() and
 *   LIKE fold ASCII only, so the recheck keeps the answers exactly those of the scan. A trigram index cannot
 *   look up fewer than 3 characters: a search with any such term falls back to the scan.
 * - MariaDB: no trigram index; the same per-table predicate, answered by a scan.
 */

/** A SQL condition with `?` placeholders, and their values in order. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/** The fewest characters (code points) the trigram tokenizer can find: shorter terms are scanned for. */
export const MIN_INDEXED_TERM = 3;

/** LIKE's wildcards in user input are literal: `!` escapes them (a character with no meaning in any dialect's strings). */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** One column against one term: the test every path decides with. */
const likeClause = (column: string) => `LOWER(${column}) LIKE ? ESCAPE '!'`;

/** The clauses and parameters go column by column, each column with every term. */
function likeAny(columns: readonly string[], terms: readonly string[]): SqlCondition {
  const clauses = columns.flatMap((col) => terms.map(() => likeClause(col)));
  return {
    sql: `(${clauses.join(' OR ')})`,
    params: columns.flatMap(() => terms.map(likePattern)),
  };
}

/** An FTS5 query for any of the terms as a phrase (quoted: every character literal), in these columns. */
function ftsQuery(terms: readonly string[], columns?: readonly string[]): string {
  const phrases = terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
  return columns ? `{${columns.join(' ')}} : (${phrases})` : phrases;
}

// A NUL would end FTS5's query text mid-phrase (a syntax error): such a term is scanned for, as before.
const indexable = (dialect: string, terms: readonly string[]) =>
  dialect === 'sqlite' && terms.every((t) => [...t].length >= MIN_INDEXED_TERM && !t.includes('\u0000'));

/** The contact's own searched columns, and its customer's. */
const CONTACT_COLUMNS = ['email', 'wa_number', 'tp_number'];
const CUSTOMER_COLUMNS = ['first_name', 'last_name', 'username', 'customer_id'];
/** The customer list's searched columns: those of customers_fts (migration 0003). */
const CUSTOMER_LIST_COLUMNS = ['first_name', 'last_name', 'username', 'email', 'customer_id', 'nic', 'phone_number'];

/**
 * Contacts (the table as `alias` in the enclosing query) that hold any of `terms` in their e-mail or numbers,
 * or whose customer does in its names, username or customer code.
 */
export function contactSearch(dialect: string, terms: readonly string[], alias: string): SqlCondition {
  const own = likeAny(
    CONTACT_COLUMNS.map((c) => `${alias}.${c}`),
    terms,
  );
  const theirs = likeAny(
    CUSTOMER_COLUMNS.map((c) => `u.${c}`),
    terms,
  );
  if (indexable(dialect, terms)) {
    return {
      sql: `((${alias}.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?) AND ${own.sql})
        OR ${alias}.customer_id IN (SELECT u.id FROM customers u
          WHERE u.id IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?) AND ${theirs.sql}))`,
      params: [ftsQuery(terms), ...own.params, ftsQuery(terms, CUSTOMER_COLUMNS), ...theirs.params],
    };
  }
  // PostgreSQL: an IN subquery under OR would be a filter over a full scan; `= ANY(ARRAY(...))` is evaluated
  // once and then looked up in the customer_id index, next to the trigram indexes' scans. The customers are
  // matched one column and term at a time (a UNION): given all the LIKEs at once, the planner prices LOWER()
  // as nearly free and scans the table rather than read the trigram indexes.
  const customers =
    dialect === 'postgres'
      ? `${alias}.customer_id = ANY (ARRAY(${CUSTOMER_COLUMNS.flatMap((c) =>
          terms.map(() => `SELECT u.id FROM customers u WHERE ${likeClause(`u.${c}`)}`),
        ).join(' UNION ')}))`
      : `${alias}.customer_id IN (SELECT u.id FROM customers u WHERE ${theirs.sql})`;
  return { sql: `(${own.sql} OR ${customers})`, params: [...own.params, ...theirs.params] };
}

/**
 * Contacts (the table as `alias`) whose WhatsApp or telephone number starts with `prefix` (E.164, `+` and digits):
 * two ranges of the number indexes (migration 0010), closed above by the prefix with its last digit raised by one.
 */
export function numberSearch(dialect: string, prefix: string, alias: string): SqlCondition {
  const collate = dialect === 'postgres' ? ' COLLATE "C"' : '';
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const range = (column: string) => `(${alias}.${column}${collate} >= ? AND ${alias}.${column}${collate} < ?)`;
  return { sql: `(${range('wa_number')} OR ${range('tp_number')})`, params: [prefix, end, prefix, end] };
}

/**
 * Customers (`idColumn`: the table's qualified id column in the enclosing query) holding any of `terms` in
 * any of the customer list's searched columns, as a condition for a model query (values inlined, escaped).
 */
export function customerSearch(sequelize: Sequelize, idColumn: string, terms: string[]) {
  const dialect = sequelize.getDialect();
  const like = likeAny(CUSTOMER_LIST_COLUMNS, terms);
  const condition: SqlCondition = indexable(dialect, terms)
    ? {
        sql: `(${idColumn} IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?) AND ${like.sql})`,
        params: [ftsQuery(terms), ...like.params],
      }
    : like;
  // The template holds no `?` but its placeholders; the values go in escaped, where the placeholders were.
  const parts = condition.sql.split('?');
  return literal(
    parts.map((part, i) => (i === 0 ? part : `${sequelize.escape(condition.params[i - 1] as string)}${part}`)).join(''),
  );
}
