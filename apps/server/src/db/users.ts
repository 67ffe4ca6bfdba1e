import type { Role } from '@ccm/contract';
import { User } from './models/index.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

// Users are always read from the primary: a replica that lags would let a deactivated user through, or miss a
// user created a moment ago. Every write takes a unit of work, so that on SQLite it waits its turn in the
// process's one queue of writers (transaction.ts) like every other write.
const useMaster = true;

/** A user as the services see it: its columns, as plain values. */
export interface UserRecord {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  role: Role;
  isActive: boolean;
  sessionVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What decides whether a user's access token still works, and with which role. */
export type UserState = Pick<UserRecord, 'role' | 'isActive' | 'sessionVersion'>;

const record = (u: User | null): UserRecord | undefined =>
  u
    ? {
        id: u.id,
        username: u.username,
        email: u.email,
        passwordHash: u.passwordHash,
        role: u.role,
        isActive: Boolean(u.isActive),
        sessionVersion: u.sessionVersion,
        createdAt: u.createdAt,
        updatedAt: u.updatedAt,
      }
    : undefined;

export function usersRepo(rowLocks: boolean) {
  return {
    byId: async (id: number, uow?: UnitOfWork) =>
      record(await User.findByPk(id, { useMaster, transaction: uow && asTransaction(uow) })),
    byUsername: async (username: string) => record(await User.findOne({ where: { username }, useMaster })),
    count: () => User.count({ useMaster }),
    /** The users of these ids (missing ones left out), their rows locked for the unit of work, in id order. */
    async lock(ids: number[], uow: UnitOfWork): Promise<UserRecord[]> {
      const rows = await User.findAll({
        where: { id: [...new Set(ids)] },
        order: [['id', 'ASC']],
        transaction: asTransaction(uow),
        lock: rowLocks,
      });
      return rows.map((u) => record(u)!);
    },
    async state(id: number): Promise<UserState | undefined> {
      const user = await User.findByPk(id, {
        attributes: ['role', 'isActive', 'sessionVersion'],
        useMaster,
        raw: true,
      });
      return user
        ? { role: user.role, isActive: Boolean(user.isActive), sessionVersion: user.sessionVersion }
        : undefined;
    },
    async create(values: { username: string; email: string; passwordHash: string; role: Role }, uow: UnitOfWork) {
      return record(await User.create(values, { transaction: asTransaction(uow) }))!;
    },
    /** A page of users, oldest first. */
    async list(limit: number, offset: number) {
      const { count, rows } = await User.findAndCountAll({ order: [['id', 'ASC']], limit, offset, useMaster });
      return { count, rows: rows.map((u) => record(u)!) };
    },
    /**
     * Writes the values to a user read under `lock` in the same unit of work; `endSessions` also moves the session
     * version on (older access tokens stop working). Answers the user as it now is.
     */
    async update(
      user: UserRecord,
      values: Partial<Pick<UserRecord, 'role' | 'isActive' | 'passwordHash'>>,
      uow: UnitOfWork,
      endSessions = false,
    ): Promise<UserRecord> {
      const changes = endSessions ? { ...values, sessionVersion: user.sessionVersion + 1 } : values;
      if (Object.keys(changes).length === 0) return user;
      const updatedAt = new Date();
      // `silent`: the stored updated_at is exactly the one answered, not Sequelize's own a moment later.
      await User.update(
        { ...changes, updatedAt },
        { where: { id: user.id }, transaction: asTransaction(uow), silent: true },
      );
      return { ...user, ...changes, updatedAt };
    },
  };
}
