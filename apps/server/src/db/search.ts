import { literal, type Sequelize, type WhereOptions } from 'sequelize';

/** LIKE's wildcards in user input are literal: `!` escapes them (a character with no meaning in any dialect's strings). */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * Case-insensitive substring match of any of `terms` in any of `columns` (qualified SQL column names), the
 * same on SQLite, PostgreSQL and MariaDB.
 */
export function substringMatch(sequelize: Sequelize, columns: string[], terms: string[]): WhereOptions {
  const patterns = terms.map((t) => sequelize.escape(likePattern(t)));
  const clauses = columns.flatMap((col) => patterns.map((p) => `LOWER(${col}) LIKE ${p} ESCAPE '!'`));
  return literal(`(${clauses.join(' OR ')})`);
}
