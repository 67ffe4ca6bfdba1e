import 'reflect-metadata';
import { Sequelize, type SequelizeOptions } from 'sequelize-typescript';
import { models } from './models/index.js';
import { sqliteModule } from './sqlite.js';

export type Dialect = 'sqlite' | 'postgres' | 'mariadb';

export interface DatabaseOptions {
  url: string;
  logging?: boolean | ((sql: string) => void);
}

export interface Database {
  sequelize: Sequelize;
  dialect: Dialect;
  close(): Promise<void>;
}

/** Reads `sqlite:<path>`, `sqlite::memory:`, `postgres://…`, `mariadb://…` or `mysql://…`. */
export function parseDatabaseUrl(url: string): { dialect: Dialect; storage?: string } {
  if (url.startsWith('sqlite:')) {
    const storage = url.slice('sqlite:'.length).replace(/^\/\//, '');
    return { dialect: 'sqlite', storage: storage === '' ? ':memory:' : storage };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres' };
  if (/^(mariadb|mysql):\/\//.test(url)) return { dialect: 'mariadb' };
  throw new Error(
    `DATABASE_URL: unsupported scheme in "${url.split(':')[0]}:…" (use sqlite:, postgres:// or mariadb://)`,
  );
}

export function openDatabase(options: DatabaseOptions): Database {
  const { dialect, storage } = parseDatabaseUrl(options.url);
  const logging = options.logging === true ? console.log : options.logging || false;
  const common: SequelizeOptions = {
    models,
    logging,
    benchmark: false,
    define: { underscored: true },
  };
  const sequelize =
    dialect === 'sqlite'
      ? new Sequelize({ ...common, dialect: 'sqlite', storage, dialectModule: sqliteModule })
      : new Sequelize(options.url.replace(/^mysql:/, 'mariadb:'), { ...common, dialect });
  return { sequelize, dialect, close: () => sequelize.close() };
}
