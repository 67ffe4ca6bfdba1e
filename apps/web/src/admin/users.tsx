import type { Role } from '@ccm/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useFeedback } from '../feedback.js';
import { Field, useServerForm } from '../field.js';
import { ccm } from '../session.js';
import { write } from '../write.js';

export const ROLES: Role[] = ['admin', 'staff', 'viewer'];

/** The users' list and its neighbours are read again after every change. */
export function useUserActions() {
  const queries = useQueryClient();
  const feedback = useFeedback();
  const run = async (operation: string, call: Parameters<typeof write>[1]) => {
    try {
      const { message } = await write(operation, call);
      await queries.invalidateQueries({ queryKey: ['users'] });
      feedback.say(message);
    } catch (error) {
      feedback.fail(error);
    }
  };
  const params = (id: number) => ({ id: String(id) });
  return {
    setRole: (id: number, role: Role) =>
      run('users.update', ccm.raw.users.update({ params: params(id), body: { role } })),
    setActive: (id: number, is_active: boolean) =>
      run('users.update', ccm.raw.users.update({ params: params(id), body: { is_active } })),
    endSessions: (id: number) => run('users.revokeSessions', ccm.raw.users.revokeSessions({ params: params(id) })),
  };
}

/** A new user: username, e-mail, first password and role; the server's messages next to the fields. */
export function NewUserForm() {
  const queries = useQueryClient();
  const feedback = useFeedback();
  const { errors, onSubmit } = useServerForm(async (form) => {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '');
    const body = {
      username: text('username'),
      email: text('email'),
      password: text('password'),
      role: text('role') as Role,
    };
    const { message } = await write('users.create', ccm.raw.users.create({ body }));
    form.reset();
    await queries.invalidateQueries({ queryKey: ['users'] });
    feedback.say(message);
  });
  return (
    <form aria-label="New user" onSubmit={onSubmit} noValidate>
      <Field name="username" label="Username" autoComplete="off" required errors={errors.username} />
      <Field name="email" type="email" label="E-mail" required errors={errors.email} />
      <Field
        name="password"
        type="password"
        label="Password"
        autoComplete="new-password"
        required
        errors={errors.password}
      />
      <label>
        Role
        <select name="role" defaultValue="staff">
          {ROLES.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
      </label>
      <button type="submit">Create user</button>
    </form>
  );
}
