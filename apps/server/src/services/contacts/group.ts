import { AsyncResource } from 'node:async_hooks';
import type { Contact as ContactDto } from '@ccm/contract';
import { type ContactValues, isUnavailable } from '../../db/index.js';
import { validationError } from '../errors.js';
import { writeCreates } from './bulk.js';
import type { ContactDeps } from './rules.js';
import { type CreateAlone, createAlone } from './write.js';

/** One create waiting for its group's commit; `inCall` runs in its request's context (its event's actor). */
interface Waiting {
  customerId: number;
  values: ContactValues;
  inCall: <T>(f: () => T) => T;
  resolve(contact: ContactDto): void;
  reject(err: unknown): void;
}

/** Groups committed so far and the creates in them (`/metrics`: their ratio is the mean group's size). */
export interface GroupCounts {
  groups: number;
  creates: number;
}

/**
 * Group commit of single creates (docs/databases.md, "Group commit"). One group's transaction runs at a time per
 * process; creates that arrive meanwhile join the next group, which closes when its transaction has its connection
 * (on SQLite, the writer). Its creates are checked and written as one bulk create is (bulk.ts#writeCreates: one read
 * of their customers and clashes, one multi-row insert, their events, one COMMIT). Each is checked as if created after those before it, and
 * each request gets its own answer, its contact or its own 400, only after the COMMIT. If the group's transaction
 * fails, each create runs again alone, so that a failure is only its own request's.
 */
export function createGroups(deps: ContactDeps): { create: CreateAlone; counts: GroupCounts } {
  const alone: CreateAlone = (customerId, values) => createAlone(deps, customerId, values);
  const counts: GroupCounts = { groups: 0, creates: 0 };
  let open: Waiting[] | undefined;
  /** The group in flight: one at a time per process, so that creates arriving meanwhile make the next one large. */
  let previous: Promise<void> = Promise.resolve();
  /** The last group failed for a database that is away (see settle). */
  let away = false;
  // The group's transaction belongs to no request: none's commit hook, actor or routing is taken for the others'.
  const detached = new AsyncResource('ccm.contacts.create-group');

  const commitGroup = (group: Waiting[]) =>
    deps.store.transaction((t) => {
      if (open === group) open = undefined;
      // Its creates add contacts and make no primary: two groups (two processes') may hold a customer side by side,
      // and a clash between them meets in the unique indexes, which fails one group (its creates then run alone).
      return writeCreates(deps, group, t, 'shared');
    });

  const settle = (group: Waiting[]) =>
    commitGroup(group).then(
      ({ contacts, failures }) => {
        counts.groups += 1;
        counts.creates += group.length;
        group.forEach((w, index) => {
          const errors = failures.get(index);
          if (errors) w.reject(validationError(errors));
          else w.resolve(contacts.get(index)!);
        });
      },
      (err) => {
        // A transaction that failed before its work began (no connection) must not leave its group open to joiners.
        if (open === group) open = undefined;
        // A database that is away fails every create alike: running each again would only make them wait twice, and
        // until a create succeeds again each runs alone, not queued behind groups that wait for it to fail.
        if (isUnavailable(err)) away = true;
        if (group.length === 1 || away) {
          for (const w of group) w.reject(err);
          return;
        }
        for (const w of group) w.inCall(() => alone(w.customerId, w.values)).then(w.resolve, w.reject);
      },
    );

  const create: CreateAlone = (customerId, values) => {
    if (away) {
      return alone(customerId, values).then((contact) => {
        away = false;
        return contact;
      });
    }
    return new Promise<ContactDto>((resolve, reject) => {
      const inCall = AsyncResource.bind(<T>(f: () => T) => f());
      const waiting: Waiting = { customerId, values, inCall, resolve, reject };
      if (open) return void open.push(waiting);
      const group = [waiting];
      open = group;
      previous = previous.then(() => detached.runInAsyncScope(() => settle(group)));
    });
  };
  return { create, counts };
}
