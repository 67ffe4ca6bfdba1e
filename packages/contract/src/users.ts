import { z } from 'zod';
import { RoleSchema, UserSchema } from './auth.js';
import {
  EmailSchema,
  PageInputSchema,
  PageQuerySchema,
  REQUIRED_STRING,
  TimestampSchema,
  UsernameSchema,
} from './common.js';

const role = z.enum(RoleSchema.options, {
  errorMap: () => ({ message: 'Must be one of: admin, staff, viewer.' }),
});
/** A password a user is given or chooses: the one rule, for the API, the CLI and the configured first admin. */
export const PasswordSchema = z
  .string(REQUIRED_STRING)
  .min(8, 'At least 8 characters.')
  .max(1024, 'At most 1024 characters.');
const newPassword = PasswordSchema;

/** A user as an admin sees it: the signed-in user's fields plus whether the account may sign in. */
export const UserAccountSchema = UserSchema.extend({
  is_active: z.boolean(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type UserAccount = z.infer<typeof UserAccountSchema>;

export const UserListInputSchema = PageInputSchema;
export const UserListQuerySchema = PageQuerySchema;
export type UserListQuery = z.infer<typeof UserListQuerySchema>;

export const UserCreateSchema = z.object({
  username: UsernameSchema,
  email: EmailSchema,
  password: newPassword,
  role,
});
export type UserCreate = z.infer<typeof UserCreateSchema>;

/** Role and/or active flag; deactivating revokes the user's refresh tokens. */
export const UserPatchSchema = z.object({
  role: role.optional(),
  is_active: z.boolean({ invalid_type_error: 'Must be a boolean.' }).optional(),
});
export type UserPatch = z.infer<typeof UserPatchSchema>;

export const PasswordChangeSchema = z.object({
  current_password: z
    .string(REQUIRED_STRING)
    .min(1, 'This field may not be blank.')
    .max(1024, 'At most 1024 characters.'),
  new_password: newPassword,
});
export type PasswordChange = z.infer<typeof PasswordChangeSchema>;
