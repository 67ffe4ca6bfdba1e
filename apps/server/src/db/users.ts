import type { Role } from '@ccm/contract';
import { Op, type Transaction } from 'sequelize';
import { RefreshToken, User } from './models/index.js';

// Users and tokens are always read from the primary: a replica that lags would let a revoked token or a
// deactivated user through, or miss a user created a moment ago.
const useMaster = true;

export function usersRepo() {
  return {
    byId: (id: number) => User.findByPk(id, { useMaster }),
    byUsername: (username: string) => User.findOne({ where: { username }, useMaster }),
    count: () => User.count({ useMaster }),
    create: (values: { username: string; email: string; passwordHash: string; role: Role }) => User.create(values),
    /** A page of users, oldest first. */
    list: (limit: number, offset: number) => User.findAndCountAll({ order: [['id', 'ASC']], limit, offset, useMaster }),
    async update(user: User, values: Partial<{ role: Role; isActive: boolean; passwordHash: string }>) {
      await user.update(values);
      return user;
    },
  };
}

export function refreshTokensRepo() {
  return {
    insert(values: { jti: string; userId: number; familyId: string; expiresAt: Date }, transaction?: Transaction) {
      return RefreshToken.create(values, { transaction });
    },
    byJti: (jti: string, transaction?: Transaction) => RefreshToken.findByPk(jti, { transaction, useMaster }),

    /** Marks a token used; true only for the one caller that found it unused (a concurrent second use loses). */
    async markUsed(jti: string, transaction?: Transaction): Promise<boolean> {
      const [n] = await RefreshToken.update(
        { usedAt: new Date() },
        { where: { jti, usedAt: null, revokedAt: null }, transaction },
      );
      return n === 1;
    },

    async revokeFamily(familyId: string) {
      await RefreshToken.update({ revokedAt: new Date() }, { where: { familyId, revokedAt: null } });
    },

    async revokeUser(userId: number) {
      await RefreshToken.update({ revokedAt: new Date() }, { where: { userId, revokedAt: null } });
    },

    /** Forgets tokens that expired before `before`. */
    async purgeExpired(before: Date) {
      await RefreshToken.destroy({ where: { expiresAt: { [Op.lt]: before } } });
    },
  };
}
