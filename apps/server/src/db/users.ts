import type { Role } from '@ccm/contract';
import { Op, type Transaction } from 'sequelize';
import { RefreshToken, User } from './models/index.js';

// Users and tokens are always read from the primary: a replica that lags would let a revoked token or a
// deactivated user through, or miss a user created a moment ago. Every write takes a transaction, so that on
// SQLite it waits its turn in the process's one queue of writers (transaction.ts) like every other write.
const useMaster = true;

/** What decides whether a user's access token still works, and with which role. */
export interface UserState {
  role: Role;
  isActive: boolean;
  sessionVersion: number;
}

export function usersRepo(rowLocks: boolean) {
  return {
    byId: (id: number, transaction?: Transaction) => User.findByPk(id, { useMaster, transaction }),
    byUsername: (username: string) => User.findOne({ where: { username }, useMaster }),
    count: () => User.count({ useMaster }),
    /** The users of these ids (missing ones left out), their rows locked for the transaction, in id order. */
    lock: (ids: number[], transaction: Transaction) =>
      User.findAll({ where: { id: [...new Set(ids)] }, order: [['id', 'ASC']], transaction, lock: rowLocks }),
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
    create: (values: { username: string; email: string; passwordHash: string; role: Role }, transaction: Transaction) =>
      User.create(values, { transaction }),
    /** A page of users, oldest first. */
    list: (limit: number, offset: number) => User.findAndCountAll({ order: [['id', 'ASC']], limit, offset, useMaster }),
    /**
     * Writes the values to a user read under `lock` in the same transaction; `endSessions` also moves the
     * session version on (older access tokens stop working).
     */
    async update(
      user: User,
      values: Partial<{ role: Role; isActive: boolean; passwordHash: string }>,
      transaction: Transaction,
      endSessions = false,
    ) {
      await user.update(endSessions ? { ...values, sessionVersion: user.sessionVersion + 1 } : values, { transaction });
      return user;
    },
  };
}

export function refreshTokensRepo() {
  return {
    insert(values: { jti: string; userId: number; familyId: string; expiresAt: Date }, transaction: Transaction) {
      return RefreshToken.create(values, { transaction });
    },
    byJti: (jti: string, transaction?: Transaction) => RefreshToken.findByPk(jti, { transaction, useMaster }),

    /** Marks a token used; true only for the one caller that found it unused (a concurrent second use loses). */
    async markUsed(jti: string, transaction: Transaction): Promise<boolean> {
      const [n] = await RefreshToken.update(
        { usedAt: new Date() },
        { where: { jti, usedAt: null, revokedAt: null }, transaction },
      );
      return n === 1;
    },

    async revokeFamily(familyId: string, transaction: Transaction) {
      await RefreshToken.update({ revokedAt: new Date() }, { where: { familyId, revokedAt: null }, transaction });
    },

    async revokeUser(userId: number, transaction: Transaction) {
      await RefreshToken.update({ revokedAt: new Date() }, { where: { userId, revokedAt: null }, transaction });
    },

    /**
     * Forgets up to `limit` tokens that can no longer be used: expired before `now`, or revoked (a revoked
     * token is refused as an unknown one is). Used tokens are kept until they expire: presenting one again
     * is how a stolen token is detected. Returns how many were removed.
     */
    async prune(now: Date, limit: number, transaction: Transaction): Promise<number> {
      const rows = await RefreshToken.findAll({
        attributes: ['jti'],
        where: { [Op.or]: [{ expiresAt: { [Op.lt]: now } }, { revokedAt: { [Op.ne]: null } }] },
        limit,
        transaction,
        raw: true,
      });
      if (rows.length === 0) return 0;
      return RefreshToken.destroy({ where: { jti: rows.map((r) => r.jti) }, transaction });
    },
  };
}
