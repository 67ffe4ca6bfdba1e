import { SEARCH_COUNT_LIMIT } from '@ccm/contract';
import type { Dialect } from '../connection.js';
import { type CountersRepo, contactCountSql } from '../counters.js';
import { asNumber, fitsId, limitSql, offsetParams, offsetSql, type Row } from '../reads.js';
import { contactSearch, contactSearchIds, contactSearchRow, numberSearch, type SqlCondition } from '../search.js';
import {
  CONTACT_COLUMNS,
  type ContactFilter,
  type ContactOrder,
  type ContactRecord,
  type ContactsDb,
  contactRecord,
  FROM_CONTACTS,
  type Keyset,
  keysetCondition,
} from './records.js';

/**
 * The filters on the contacts table's own columns, as SQL conditions and their parameters. A customer has a few
 * contacts, a number's prefix a few more: with either, SQLite is kept from reading by a flag's index instead
 * (`+column` is not indexable there), whatever its statistics say (test/list-plans.test.ts).
 */
function columnConditions(dialect: Dialect, filter: ContactFilter, ...extra: (SqlCondition | undefined)[]) {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const narrow = filter.customerId !== undefined || filter.numberPrefix !== undefined;
  const flag = dialect === 'sqlite' && narrow ? '+' : '';
  for (const [column, value] of [
    ['customer_id', filter.customerId],
    [`${flag}is_active`, filter.isActive],
    [`${flag}is_primary`, filter.isPrimary],
  ] as const) {
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  for (const condition of extra) {
    if (!condition) continue;
    conditions.push(condition.sql);
    params.push(...condition.params);
  }
  return { sql: conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * The search's condition: a number's start as its ranges, other terms as substrings (search.ts), found by their
 * index, or (`perRow`) tested on each row read.
 */
function searchCondition(dialect: Dialect, filter: ContactFilter, perRow = false): SqlCondition | undefined {
  if (filter.numberPrefix) return numberSearch(dialect, filter.numberPrefix, 'contacts');
  if (!filter.searchTerms?.length) return undefined;
  return (perRow ? contactSearchRow : contactSearch)(dialect, filter.searchTerms, 'contacts');
}

/** How a page is read: its rows' ids in the order's index, then joined (`ids`: the statement that finds them). */
interface PagePlan {
  db: ContactsDb;
  filter: ContactFilter;
  matching: { sql: string; params: unknown[] };
  after: SqlCondition | undefined;
  /** The page of `ids` (`inOrder`: they come in the order already) joined to their rows. */
  page: (ids: string, inOrder?: boolean) => string;
  /** The order's ORDER BY, of the contacts table's own columns. */
  orderBy: string;
  /** The page starts at the top of an order that follows the ids (`id`, or `created_at`, set as the row is written). */
  byIds: 'ASC' | 'DESC' | undefined;
  limit: number;
  offset: number;
}

/**
 * With a search: the matches are counted first, up to SEARCH_COUNT_LIMIT + 1 (the total says the limit beyond it),
 * and the count chooses how the page is read: all the matches sorted (sortedSearchPage), or the order's index read,
 * each row tested, until the page is full (denseSearchPage). Where the search index knows how far into the order the
 * page's last match lies (pageReach), that is the walk's length, and the walk is chosen when it reads fewer rows than
 * there are matches to sort (past the bound, at least its 1,001: a row walked costs about what a match sorted does).
 * Elsewhere the walk's length is an even spread's, `(offset + limit) × contacts / matches` rows, chosen when the
 * matches are more than that, and always past the bound (the cost of sorting them is then unknown); a page the walk
 * did not fill is read sorted (a word only old contacts hold).
 */
async function searchPage(plan: PagePlan): Promise<{ total: number; rows: Row[] }> {
  const { db, filter, limit, offset } = plan;
  const narrow = filter.customerId !== undefined;
  const counted = countedMatches(plan);
  // With the number of contacts the search is among (the counters, migration 0002), in the same statement.
  const among = narrow ? undefined : contactCountSql({ isActive: filter.isActive, isPrimary: filter.isPrimary });
  const reach = pageReach(plan, counted);
  const [found] = await db.read.select(
    `SELECT (SELECT COUNT(*) FROM (${counted.sql} ${limitSql(SEARCH_COUNT_LIMIT + 1)}) f) AS n${
      among ? `, (${among.sql}) AS contacts` : ''
    }${reach ? `, ${reach.sql} AS reach` : ''}`,
    [...counted.params, ...(among?.params ?? []), ...(reach?.params ?? [])],
  );
  const matches = asNumber(found?.n);
  const total = Math.min(matches, SEARCH_COUNT_LIMIT);
  // Numbered pages end at the total (the service answers "Invalid page." past it).
  if (offset >= total) return { total, rows: [] };
  if (narrow) return { total, rows: await sortedSearchPage(plan) };
  const spread = Math.ceil(((offset + limit) * asNumber(found?.contacts ?? 0)) / matches);
  // Rows written between the two statements, or a few out of id order, are allowed for twice over.
  const known = found?.reach != null;
  const walk = known ? 2 * (Math.abs(asNumber(found.reach)) + 1) + limit : spread;
  const dense = walk < matches || (matches > SEARCH_COUNT_LIMIT && !known);
  if (!dense) return { total, rows: await sortedSearchPage(plan) };
  const rows = await denseSearchPage(plan, walk);
  return { total, rows: rows.length === limit ? rows : await sortedSearchPage(plan) };
}

/**
 * SQLite, the search index alone, a page at the top of an order that follows the ids: how many ids lie between the
 * order's first contact and the page's last match, which the index finds in id order (FTS5 reads its rowids either
 * way): about the rows a walk of the order's index reads to fill the page.
 */
function pageReach(plan: PagePlan, counted: Counted): SqlCondition | undefined {
  // `indexed`: the search alone (no customer, no flag), on SQLite.
  if (!plan.byIds || !counted.indexed) return undefined;
  const [first, last] = plan.byIds === 'DESC' ? ['MAX', 'MIN'] : ['MIN', 'MAX'];
  return {
    sql: `((SELECT ${first}(id) FROM contacts) - (SELECT ${last}(id) FROM (${counted.sql} ORDER BY id ${plan.byIds} LIMIT ?) r))`,
    params: [...counted.params, plan.offset + plan.limit],
  };
}

/** A search's count: its statement, and whether it reads the search index alone. */
type Counted = SqlCondition & { indexed: boolean };

/** What a search's count counts: the search index's ids when nothing else filters, else the contacts matching. */
function countedMatches({ db, filter, matching }: PagePlan): Counted {
  const alone = filter.customerId === undefined && filter.isActive === undefined && filter.isPrimary === undefined;
  const ids = alone && filter.searchTerms?.length ? contactSearchIds(db.dialect, filter.searchTerms) : undefined;
  if (ids) return { ...ids, indexed: true };
  return { sql: `SELECT 1 AS x FROM contacts${matching.sql}`, params: matching.params, indexed: false };
}

/**
 * Every match sorted for the page. PostgreSQL and SQLite keep the matches (MATERIALIZED): left to itself,
 * PostgreSQL's planner may bet on walking the order's index, which scans the whole table when the term is rare.
 */
async function sortedSearchPage({ db, matching, after, page, offset }: PagePlan): Promise<Row[]> {
  const keep = db.dialect === 'mariadb' ? '' : 'MATERIALIZED ';
  const keysetSql = after ? ` WHERE ${after.sql}` : '';
  return db.read.select(
    `WITH m AS ${keep}(SELECT id, created_at, email FROM contacts${matching.sql})
     SELECT ${CONTACT_COLUMNS} ${page(`SELECT id FROM m${keysetSql}`)}`,
    [...matching.params, ...(after?.params ?? []), ...offsetParams(offset)],
  );
}

/**
 * The page read in the order's index, each row tested as it is read (search.ts, contactSearchRow), within the first
 * `window` rows of the walk. The walk's rows are taken in the order it yields them, as PostgreSQL and SQLite read a
 * subquery (an ORDER BY again would have SQLite sort the whole window first; test/search-limit.test.ts compares the
 * pages with a scan's order). MariaDB would copy such a window whole before testing it (a derived table with a LIMIT
 * is materialized there): it walks unbounded, as its search scans the table anyway.
 */
async function denseSearchPage(plan: PagePlan, window: number): Promise<Row[]> {
  const { db, filter, after, page, orderBy, offset } = plan;
  // Only a search's page is read this way: there is a search to test.
  const test = searchCondition(db.dialect, filter, true)!;
  if (db.dialect === 'mariadb') {
    const where = columnConditions(db.dialect, filter, test, after);
    return db.read.select(`SELECT ${CONTACT_COLUMNS} ${page(`SELECT id FROM contacts${where.sql}`)}`, [
      ...where.params,
      ...offsetParams(offset),
    ]);
  }
  const walk = columnConditions(db.dialect, filter, after);
  // The window is bound, not written in: the statement's text stays one of a bounded set (db/reads.ts).
  const walked = `SELECT * FROM contacts${walk.sql} ${orderBy} LIMIT ?`;
  const ids = `SELECT id FROM (${walked}) contacts WHERE ${test.sql}`;
  return db.read.select(`SELECT ${CONTACT_COLUMNS} ${page(ids, true)}`, [
    ...walk.params,
    window,
    ...test.params,
    ...offsetParams(offset),
  ]);
}

/**
 * Without a search, the total comes from the database's counter for the flags (0002-counters), no count over the
 * table, or, for one customer, from its index entries.
 */
async function filteredPage(plan: PagePlan, counters: CountersRepo): Promise<{ total: number; rows: Row[] }> {
  const { db, filter, matching, after, page, offset } = plan;
  const count =
    filter.customerId === undefined
      ? counters.contactCount({ isActive: filter.isActive, isPrimary: filter.isPrimary })
      : db.read
          .select(`SELECT COUNT(*) AS n FROM contacts${matching.sql}`, matching.params)
          .then((r) => asNumber(r[0]?.n));
  const window = after ? columnConditions(db.dialect, filter, after) : matching;
  const [total, rows] = await Promise.all([
    count,
    db.read.select(`SELECT ${CONTACT_COLUMNS} ${page(`SELECT id FROM contacts${window.sql}`)}`, [
      ...window.params,
      ...offsetParams(offset),
    ]),
  ]);
  return { total, rows };
}

/** The order's column, direction and ORDER BY (of a table alias): the id breaks ties. */
function ordering(order: { by: ContactOrder }, descending: boolean) {
  const column = { created_at: 'created_at', email: 'email', id: 'id' }[order.by];
  const dir = descending ? ('DESC' as const) : ('ASC' as const);
  const orderSql = (t: string) => (column === 'id' ? `${t}id ${dir}` : `${t}${column} ${dir}, ${t}id ${dir}`);
  return { column, dir, orderSql };
}

/**
 * The next `limit` rows after `after` in the order, without a total: the export's pages (services/contacts/
 * export.ts). Each is a range of the order's index, read as far as the filters need to fill it, however deep.
 */
export async function slice(
  db: ContactsDb,
  filter: ContactFilter,
  order: { by: ContactOrder; desc: boolean },
  limit: number,
  after?: { value: string | number; id: number },
): Promise<ContactRecord[]> {
  if (filter.customerId !== undefined && !fitsId(filter.customerId)) return [];
  const { column, orderSql } = ordering(order, order.desc);
  const search = searchCondition(db.dialect, filter);
  const keyset = after && keysetCondition(column, order.desc, after);
  const where = columnConditions(db.dialect, filter, search, keyset);
  const rows = await db.read.select(
    `SELECT ${CONTACT_COLUMNS} ${FROM_CONTACTS} JOIN (SELECT id FROM contacts${where.sql}
       ORDER BY ${orderSql('')} ${limitSql(limit)}) page ON page.id = c.id ORDER BY ${orderSql('c.')}`,
    where.params,
  );
  return rows.map(contactRecord);
}

/**
 * A page and the total. Every filter is on the contacts table, and every contact has its customer (a foreign key):
 * the page's ids are read from the order's index before the join, so that a deep page skips index entries rather
 * than joined rows (and a keyset page starts at its place in that index). A search is one predicate on the
 * contacts table for the total and the page: its customer's columns matched in a subquery (search.ts), each from
 * its own index where the database has one.
 */
export async function list(
  db: ContactsDb,
  counters: CountersRepo,
  filter: ContactFilter,
  order: { by: ContactOrder; desc: boolean },
  limit: number,
  offset: number,
  keyset?: Keyset,
): Promise<{ count: number; rows: ContactRecord[] }> {
  if (filter.customerId !== undefined && !fitsId(filter.customerId)) return { count: 0, rows: [] };
  // A backward keyset page is read in the opposite order from its boundary, then turned around.
  const backward = keyset?.backward ?? false;
  const { column, dir, orderSql } = ordering(order, order.desc !== backward);
  const search = searchCondition(db.dialect, filter);
  const orderBy = `ORDER BY ${orderSql('')}`;
  const plan: PagePlan = {
    db,
    filter,
    matching: columnConditions(db.dialect, filter, search),
    after: keyset?.after ? keysetCondition(column, dir === 'DESC', keyset.after) : undefined,
    page: (ids, inOrder = false) =>
      `${FROM_CONTACTS} JOIN (${ids}${inOrder ? '' : ` ${orderBy}`} ${limitSql(limit)}${offsetSql(offset)}) page
       ON page.id = c.id ORDER BY ${orderSql('c.')}`,
    orderBy,
    byIds: column !== 'email' && !keyset?.after ? dir : undefined,
    limit,
    offset,
  };
  const { total, rows } = search ? await searchPage(plan) : await filteredPage(plan, counters);
  const records = rows.map(contactRecord);
  return { count: total, rows: backward ? records.reverse() : records };
}
