import { literal, type Sequelize } from 'sequelize';

/**
 * The list searches: a row matches when any term is a case-insensitive substring of any searched column, which
 * `LOWER(col) LIKE '%term%'` defines (the same on every dialect). The indexes find exactly those rows:
 *
 * - The contact list (migration 0011 keeps each contact's words and its customer's in one place):
 *   SQLite: the FTS5 table `contacts_search` (case-sensitive trigrams of the LOWER()'d columns) answers a term of
 *   three characters or more exactly, with no recheck. PostgreSQL: `contacts.search_text` (the LOWER()'d columns
 *   joined by newlines) and its pg_trgm GIN index; a term without a newline is in it exactly when it is in one of
 *   the columns. Other terms, and MariaDB (no trigram index), test the columns themselves.
 * - The customer list: PostgreSQL's pg_trgm GIN indexes on LOWER(col) (migration 0003) answer the LIKE itself;
 *   SQLite's FTS5 `customers_fts` gives candidates and the LIKE is checked on those rows alone (its tokenizer folds
 *   case across Unicode while SQLite's LOWER() and LIKE fold ASCII only). MariaDB scans.
 *
 * A trigram index cannot look up fewer than 3 characters: a search with any such term falls back to the scan.
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

/**
 * One column against one term: the test every path decides with. `lower` false: for a column stored lowercased, and
 * on SQLite, whose LIKE folds ASCII case itself, all that its LOWER() folds (so the same test, without a copy).
 */
const likeClause = (column: string, lower: boolean) => `${lower ? `LOWER(${column})` : column} LIKE ? ESCAPE '!'`;
const lowerFor = (dialect: string) => dialect !== 'sqlite';

/** The clauses and parameters go column by column, each column with every term. */
function likeAny(columns: readonly string[], terms: readonly string[], lower: boolean): SqlCondition {
  const clauses = columns.flatMap((col) => terms.map(() => likeClause(col, lower)));
  return {
    sql: `(${clauses.join(' OR ')})`,
    params: columns.flatMap(() => terms.map(likePattern)),
  };
}

/** An FTS5 query for any of the terms as a phrase (quoted: every character literal). */
function ftsQuery(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

// A NUL would end FTS5's query text mid-phrase (a syntax error): such a term is scanned for, as before.
const indexable = (dialect: string, terms: readonly string[]) =>
  dialect === 'sqlite' && terms.every((t) => [...t].length >= MIN_INDEXED_TERM && !t.includes('\u0000'));

/** The contact's own searched columns, and its customer's. */
const CONTACT_COLUMNS = ['email', 'wa_number', 'tp_number'];
const CUSTOMER_COLUMNS = ['first_name', 'last_name', 'username', 'customer_id'];
/** The customer list's searched columns: those of customers_fts (migration 0003). */
const CUSTOMER_LIST_COLUMNS = ['first_name', 'last_name', 'username', 'email', 'customer_id', 'nic', 'phone_number'];

/** The separator of PostgreSQL's `contacts.search_text` (migration 0011): a term holding it tests the columns. */
const SEARCH_TEXT_SEPARATOR = '\n';

/**
 * Contacts (the table as `alias` in the enclosing query) that hold any of `terms` in their e-mail or numbers,
 * or whose customer does in its names, username or customer code.
 */
export function contactSearch(dialect: string, terms: readonly string[], alias: string): SqlCondition {
  const ids = contactSearchIds(dialect, terms);
  if (ids) return { sql: `${alias}.id IN (${ids.sql})`, params: ids.params };
  return searchTextTest(dialect, terms, alias) ?? columnsTest(dialect, terms, alias, 'IN');
}

/**
 * The ids of the contacts holding any of `terms`, from the index alone where it answers alone (SQLite's
 * contacts_search has a row for every contact): a count needs no other filter reads none of the rows.
 */
export function contactSearchIds(dialect: string, terms: readonly string[]): SqlCondition | undefined {
  if (!indexable(dialect, terms)) return undefined;
  return {
    sql: 'SELECT rowid AS id FROM contacts_search WHERE contacts_search MATCH ?',
    params: [ftsQuery(terms.map((t) => t.toLowerCase()))],
  };
}

/**
 * The same test as contactSearch, made on each row where the enclosing query reads it (no index lookup, the
 * customer by its primary key): for reading the order's index until a page of matches turns up.
 */
export function contactSearchRow(dialect: string, terms: readonly string[], alias: string): SqlCondition {
  return searchTextTest(dialect, terms, alias) ?? columnsTest(dialect, terms, alias, 'EXISTS');
}

/** PostgreSQL: the terms in `search_text`, unless one holds its separator. */
function searchTextTest(dialect: string, terms: readonly string[], alias: string): SqlCondition | undefined {
  if (dialect !== 'postgres' || terms.some((t) => t.includes(SEARCH_TEXT_SEPARATOR))) return undefined;
  return likeAny([`${alias}.search_text`], terms, false);
}

/** The LIKEs on the contact's columns and its customer's: the customers matching (IN) or the contact's (EXISTS). */
function columnsTest(
  dialect: string,
  terms: readonly string[],
  alias: string,
  customer: 'IN' | 'EXISTS',
): SqlCondition {
  const own = likeAny(
    CONTACT_COLUMNS.map((c) => `${alias}.${c}`),
    terms,
    lowerFor(dialect),
  );
  const theirs = likeAny(
    CUSTOMER_COLUMNS.map((c) => `u.${c}`),
    terms,
    lowerFor(dialect),
  );
  const test =
    customer === 'IN'
      ? `${alias}.customer_id IN (SELECT u.id FROM customers u WHERE ${theirs.sql})`
      : `EXISTS (SELECT 1 FROM customers u WHERE u.id = ${alias}.customer_id AND ${theirs.sql})`;
  return { sql: `(${own.sql} OR ${test})`, params: [...own.params, ...theirs.params] };
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
  const like = likeAny(CUSTOMER_LIST_COLUMNS, terms, lowerFor(dialect));
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
