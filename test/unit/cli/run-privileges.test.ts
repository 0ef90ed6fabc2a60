// dropPrivileges (src/cli/privileges.ts) against a fake process identity: the order of the calls
// (groups, gid, uid), names resolved through the effective ids, files handed over before the
// switch, and every way it must refuse rather than stay root. The real switch runs in run-e2e.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropPrivileges } from '../../../src/cli/privileges.js';
import type { ProcessIds } from '../../../src/cli/privileges.js';
import { ConfigError } from '../../../src/shared/errors.js';

interface Account { name: string; uid: number; gid: number }
const USERS: Account[] = [
  { name: 'root', uid: 0, gid: 0 },
  { name: 'mailtap', uid: 998, gid: 997 },
];
const GROUPS: Record<string, number> = { root: 0, mailtap: 997, adm: 4 };

/** A POSIX identity model: real/effective/saved uid and gid, with the kernel's permission rules. */
class FakeIds implements ProcessIds {
  ruid: number; euid: number; suid: number; rgid: number; egid: number; sgid: number;
  calls: string[] = [];
  owners = new Map<string, number>();
  chowned: string[] = [];
  failSetuid = false;
  keepSaved = false;
  constructor(uid: number, gid: number) {
    this.ruid = this.euid = this.suid = uid;
    this.rgid = this.egid = this.sgid = gid;
  }
  private uidOf(id: number | string): number {
    if (typeof id === 'number') return id;
    const a = USERS.find((u) => u.name === id);
    if (a === undefined) throw new Error(`setuid user id does not exist`);
    return a.uid;
  }
  private gidOf(id: number | string): number {
    if (typeof id === 'number') return id;
    const g = GROUPS[id];
    if (g === undefined) throw new Error(`setgid group id does not exist`);
    return g;
  }
  getuid = (): number => this.ruid;
  geteuid = (): number => this.euid;
  getgid = (): number => this.rgid;
  getegid = (): number => this.egid;
  seteuid = (id: number | string): void => {
    const u = this.uidOf(id);
    if (this.euid !== 0 && u !== this.ruid && u !== this.suid) throw new Error('EPERM');
    this.euid = u;
  };
  setegid = (id: number | string): void => {
    const g = this.gidOf(id);
    if (this.euid !== 0 && g !== this.rgid && g !== this.sgid) throw new Error('EPERM');
    this.egid = g;
  };
  setuid = (id: number | string): void => {
    this.calls.push(`setuid:${String(id)}`);
    const u = this.uidOf(id);
    if (this.failSetuid) throw new Error('EAGAIN');
    if (this.euid === 0) {
      this.ruid = this.euid = u;
      if (!this.keepSaved) this.suid = u;
    } else if (u === this.ruid || u === this.suid) {
      this.euid = u;
    } else {
      throw new Error('EPERM');
    }
  };
  setgid = (id: number | string): void => {
    this.calls.push(`setgid:${String(id)}`);
    const g = this.gidOf(id);
    if (this.euid !== 0 && g !== this.rgid) throw new Error('EPERM');
    this.rgid = this.egid = this.sgid = g;
  };
  initgroups = (user: number | string, extra: number | string): void => {
    this.calls.push(`initgroups:${String(user)}:${String(extra)}`);
    if (this.euid !== 0) throw new Error('EPERM');
  };
  whoami = (): { username: string; uid: number; gid: number } => {
    const a = USERS.find((u) => u.uid === this.euid);
    if (a === undefined) throw new Error('no passwd entry');
    return { username: a.name, uid: a.uid, gid: a.gid };
  };
  chown = (path: string, uid: number, gid: number): void => {
    if (this.euid !== 0) throw new Error('EPERM');
    this.chowned.push(`${path}:${uid}:${gid}`);
  };
  ownerOf = (path: string): number | null => this.owners.get(path) ?? null;
}

test('nothing configured: nothing changes', () => {
  const ids = new FakeIds(0, 0);
  assert.deepEqual(dropPrivileges({ user: '', group: '' }, [], ids), { kind: 'unchanged' });
  assert.deepEqual(ids.calls, []);
});

test('root → user: initgroups, setgid, setuid in that order; primary group by default; root cannot come back', () => {
  const ids = new FakeIds(0, 0);
  ids.owners.set('/var/log/mailtap/events.ndjson', 0);
  ids.owners.set('/var/log/mailtap/other', 1234);
  const r = dropPrivileges({ user: 'mailtap', group: '' }, ['/var/log/mailtap/events.ndjson', '/var/log/mailtap/other', '/missing'], ids);
  assert.deepEqual(r, { kind: 'switched', user: 'mailtap', uid: 998, gid: 997 });
  assert.deepEqual(ids.calls, ['initgroups:mailtap:997', 'setgid:997', 'setuid:998', 'setuid:0']);
  assert.deepEqual(ids.chowned, ['/var/log/mailtap/events.ndjson:998:997'], 'only the root-owned file is handed over');
  assert.equal(ids.ruid, 998);
  assert.equal(ids.euid, 998);
  assert.equal(ids.egid, 997);
});

test('an explicit group is resolved by name', () => {
  const ids = new FakeIds(0, 0);
  const r = dropPrivileges({ user: 'mailtap', group: 'adm' }, [], ids);
  assert.deepEqual(r, { kind: 'switched', user: 'mailtap', uid: 998, gid: 4 });
});

function assertRefused(fn: () => unknown, key: string, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /refusing to run as root/);
    assert.match(err.problems[0] ?? '', new RegExp(`^privileges\\.${key}: `));
    assert.match(err.message, re);
    return true;
  });
}

test('refusals: unknown user or group, group without user, a failing setuid, a root that can come back', () => {
  assertRefused(() => dropPrivileges({ user: 'nosuchuser', group: '' }, [], new FakeIds(0, 0)), 'user', /unknown user "nosuchuser"/);
  assertRefused(() => dropPrivileges({ user: 'mailtap', group: 'nosuchgroup' }, [], new FakeIds(0, 0)), 'group', /unknown group "nosuchgroup"/);
  assertRefused(() => dropPrivileges({ user: '', group: 'adm' }, [], new FakeIds(0, 0)), 'user', /without privileges\.user/);
  const failing = new FakeIds(0, 0);
  failing.failSetuid = true;
  assertRefused(() => dropPrivileges({ user: 'mailtap', group: '' }, [], failing), 'user', /switching to "mailtap" failed \(EAGAIN\)/);
  const saved = new FakeIds(0, 0);
  saved.keepSaved = true; // a setuid that left the saved set-user-ID at 0
  assertRefused(() => dropPrivileges({ user: 'mailtap', group: '' }, [], saved), 'user', /root could be regained/);
});

test('a lookup leaves the effective ids as they were (root again) before the switch', () => {
  const ids = new FakeIds(0, 0);
  assert.throws(() => dropPrivileges({ user: 'mailtap', group: 'nosuchgroup' }, [], ids));
  assert.equal(ids.euid, 0);
  assert.equal(ids.egid, 0);
  assert.deepEqual(ids.calls, [], 'no switch attempted');
});

test('not root: fine when already the configured user (systemd User=), refused otherwise', () => {
  const me = new FakeIds(998, 997);
  assert.deepEqual(dropPrivileges({ user: 'mailtap', group: 'mailtap' }, [], me), { kind: 'already', user: 'mailtap', uid: 998, gid: 997 });
  assertRefused(() => dropPrivileges({ user: 'mailtap', group: 'adm' }, [], new FakeIds(998, 997)), 'group', /cannot switch to group "adm"/);
  const other = new FakeIds(998, 997);
  assertRefused(() => dropPrivileges({ user: 'root', group: '' }, [], other), 'user', /running as "mailtap", not root/);
});
