import { Op } from 'sequelize';
import { RefreshToken } from './models/index.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

// Refresh tokens are always read from the primary: a replica that lags would let a revoked token through.
const useMaster = true;

/** One issued refresh token, by its JWT id: spent when used, dead when revoked. */
export interface RefreshTokenRecord {
  jti: string;
  userId: number;
  familyId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export function refreshTokensRepo() {
  return {
    async insert(values: { jti: string; userId: number; familyId: string; expiresAt: Date }, uow: UnitOfWork) {
      await RefreshToken.create(values, { transaction: asTransaction(uow) });
    },
    async byJti(jti: string, uow?: UnitOfWork): Promise<RefreshTokenRecord | undefined> {
      const row = await RefreshToken.findByPk(jti, { transaction: uow && asTransaction(uow), useMaster });
      if (!row) return undefined;
      const { userId, familyId, expiresAt, usedAt, revokedAt } = row;
      return { jti: row.jti, userId, familyId, expiresAt, usedAt, revokedAt };
    },
    /** Marks a token used; true only for the one caller that found it unused (a concurrent second use loses). */
    async markUsed(jti: string, uow: UnitOfWork): Promise<boolean> {
      const [n] = await RefreshToken.update(
        { usedAt: new Date() },
        { where: { jti, usedAt: null, revokedAt: null }, transaction: asTransaction(uow) },
      );
      return n === 1;
    },
    async revokeFamily(familyId: string, uow: UnitOfWork) {
      const where = { familyId, revokedAt: null };
      await RefreshToken.update({ revokedAt: new Date() }, { where, transaction: asTransaction(uow) });
    },
    async revokeUser(userId: number, uow: UnitOfWork) {
      const where = { userId, revokedAt: null };
      await RefreshToken.update({ revokedAt: new Date() }, { where, transaction: asTransaction(uow) });
    },
    /**
     * Forgets up to `limit` tokens that can no longer be used: expired before `now`, or revoked (a revoked token is
     * refused as an unknown one is). Used tokens are kept until they expire: presenting one again is how a stolen
     * token is detected. Answers how many were removed.
     */
    async prune(now: Date, limit: number, uow: UnitOfWork): Promise<number> {
      const transaction = asTransaction(uow);
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
