import { z } from 'zod';
import { NUL_MESSAGE, noNul } from './common.js';

export const RoleSchema = z.enum(['admin', 'staff', 'viewer']);
export type Role = z.infer<typeof RoleSchema>;

export const UserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string(),
  role: RoleSchema,
});
export type User = z.infer<typeof UserSchema>;

const secret = (name: string) =>
  z
    .string({ required_error: 'This field is required.', invalid_type_error: `${name} must be a string.` })
    .min(1, 'This field may not be blank.');

export const LoginRequestSchema = z.object({
  /** Trimmed: the canonical form of a username has no space around it (UsernameSchema refuses one). */
  username: secret('username').max(150).trim().refine(noNul, NUL_MESSAGE),
  password: secret('password').max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const RefreshRequestSchema = z.object({ refresh: secret('refresh').max(4096) });
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;

export const TokenPairSchema = z.object({
  access: z.string(),
  refresh: z.string(),
  token_type: z.literal('Bearer'),
  /** Seconds until `access` expires. */
  expires_in: z.number().int(),
  user: UserSchema,
});
export type TokenPair = z.infer<typeof TokenPairSchema>;
