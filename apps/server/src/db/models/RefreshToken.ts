import { BelongsTo, Column, CreatedAt, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { User } from './User.js';

/**
 * One issued refresh token, by its JWT id. Tokens rotated from one login share a family: presenting a
 * token that was already used revokes the family.
 */
@Table({ tableName: 'refresh_tokens', underscored: true, timestamps: true, updatedAt: false })
export class RefreshToken extends Model {
  @Column({ type: DataType.STRING(64), primaryKey: true })
  declare jti: string;

  @ForeignKey(() => User)
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare userId: number;

  @BelongsTo(() => User, { foreignKey: 'userId', onDelete: 'CASCADE' })
  declare user?: User;

  @Column({ type: DataType.STRING(64), allowNull: false })
  declare familyId: string;

  @Column({ type: DataType.DATE(3), allowNull: false })
  declare expiresAt: Date;

  /** Set when the token is rotated or logged out; a second use after that is reuse. */
  @Column({ type: DataType.DATE(3), allowNull: true })
  declare usedAt: Date | null;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare revokedAt: Date | null;

  @CreatedAt
  @Column(DataType.DATE(3))
  declare createdAt: Date;
}
