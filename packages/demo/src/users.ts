import { timingSafeEqual } from 'node:crypto';

/** The IdP's two demo users (printed at start with their passwords). */
export interface DemoUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'u-alice', username: 'alice', password: 'wonderland', email: 'alice@acme.example', name: 'Alice Liddell', groups: ['staff', 'analysts'] },
  { id: 'u-bob', username: 'bob', password: 'builder', email: 'bob@acme.example', name: 'Bob Builder', groups: ['staff'] },
];

export function findUser(id: string | undefined): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.id === id);
}

export function checkPassword(username: string, password: string): DemoUser | undefined {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (!user) return undefined;
  const a = Buffer.from(password);
  const b = Buffer.from(user.password);
  return a.length === b.length && timingSafeEqual(a, b) ? user : undefined;
}
