// Drops root once the capture is open (SPEC §6 `privileges`): supplementary groups, then the
// group, then the user, and proves root cannot be regained; files the daemon must reopen later
// (the events file, on SIGHUP) are handed to that user first. Stateless; consumes the
// `privileges` config, produces the identity switched to or a ConfigError (exit 1, never root).
import { chownSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ConfigError } from '../shared/errors.js';

export interface PrivilegesConfig {
  user: string;
  group: string;
}

/** The process identity calls privileges.ts makes (node's `process` on POSIX; a fake in tests). */
export interface ProcessIds {
  getuid(): number;
  geteuid(): number;
  getgid(): number;
  getegid(): number;
  seteuid(id: number | string): void;
  setegid(id: number | string): void;
  setuid(id: number | string): void;
  setgid(id: number | string): void;
  initgroups(user: number | string, extraGroup: number | string): void;
  /** Account of the effective uid (os.userInfo). */
  whoami(): { username: string; uid: number; gid: number };
  chown(path: string, uid: number, gid: number): void;
  /** Owner uid of `path`, or null when it does not exist. */
  ownerOf(path: string): number | null;
}

export type PrivilegeOutcome =
  | { kind: 'unchanged' }
  | { kind: 'already'; user: string; uid: number; gid: number }
  | { kind: 'switched'; user: string; uid: number; gid: number };

/** process.initgroups exists on POSIX (node ≥ 0.9) but is missing from @types/node. */
type PosixProcess = NodeJS.Process & { initgroups?: (user: number | string, extraGroup: number | string) => void };

function nodeIds(): ProcessIds {
  const p: PosixProcess = process;
  if (p.getuid === undefined || p.setuid === undefined || p.setgid === undefined || p.seteuid === undefined || p.setegid === undefined || p.initgroups === undefined) {
    throw new ConfigError('privileges.user is set but this platform has no POSIX user switching', ['privileges.user: not supported on this platform']);
  }
  return {
    getuid: () => p.getuid!(),
    geteuid: () => p.geteuid!(),
    getgid: () => p.getgid!(),
    getegid: () => p.getegid!(),
    seteuid: (id) => p.seteuid!(id),
    setegid: (id) => p.setegid!(id),
    setuid: (id) => p.setuid!(id),
    setgid: (id) => p.setgid!(id),
    initgroups: (u, g) => p.initgroups!(u, g),
    whoami: () => {
      const u = userInfo();
      return { username: u.username, uid: u.uid, gid: u.gid };
    },
    chown: (path, uid, gid) => chownSync(path, uid, gid),
    ownerOf: (path) => {
      try {
        return statSync(path).uid;
      } catch {
        return null;
      }
    },
  };
}

function refuse(key: 'user' | 'group', message: string): ConfigError {
  return new ConfigError(`cannot drop privileges: ${message}; refusing to run as root`, [`privileges.${key}: ${message}`]);
}

function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Resolves a user or group name through the system's own lookup (NSS: files, LDAP …) by setting
 * it as the effective id and reading the number back; root stays the real id so this is undone.
 */
function resolveUser(ids: ProcessIds, user: string): { username: string; uid: number; gid: number } {
  try {
    ids.seteuid(user);
  } catch (err) {
    throw refuse('user', `unknown user "${user}" (${why(err)})`);
  }
  try {
    return ids.whoami();
  } finally {
    ids.seteuid(0);
  }
}

function resolveGroup(ids: ProcessIds, group: string): number {
  try {
    ids.setegid(group);
  } catch (err) {
    throw refuse('group', `unknown group "${group}" (${why(err)})`);
  }
  const gid = ids.getegid();
  ids.setegid(0);
  return gid;
}

/**
 * Switches to `cfg.user` (and `cfg.group`, else the user's primary group). Not root: succeeds only
 * when already that user (systemd's User= with ambient capabilities). `handOver` lists files root
 * created that the user must reopen later; they are chowned first. Throws ConfigError otherwise.
 */
export function dropPrivileges(cfg: PrivilegesConfig, handOver: readonly string[] = [], ids: ProcessIds = nodeIds()): PrivilegeOutcome {
  if (cfg.user === '' && cfg.group === '') return { kind: 'unchanged' };
  if (cfg.user === '') throw refuse('user', `privileges.group "${cfg.group}" is set without privileges.user`);
  if (ids.geteuid() !== 0) {
    const me = ids.whoami();
    if (me.username !== cfg.user) throw refuse('user', `running as "${me.username}", not root, so cannot become "${cfg.user}"`);
    if (cfg.group !== '') {
      try {
        ids.setgid(cfg.group); // allowed only when it already is the group
      } catch (err) {
        throw refuse('group', `running as "${me.username}", not root, so cannot switch to group "${cfg.group}" (${why(err)})`);
      }
    }
    return { kind: 'already', user: me.username, uid: me.uid, gid: ids.getgid() };
  }
  const account = resolveUser(ids, cfg.user);
  const gid = cfg.group === '' ? account.gid : resolveGroup(ids, cfg.group);
  for (const path of handOver) {
    if (ids.ownerOf(path) !== 0) continue; // someone else's file: its owner decided already
    try {
      ids.chown(path, account.uid, gid);
    } catch (err) {
      throw refuse('user', `cannot hand ${path} over to "${cfg.user}" (${why(err)})`);
    }
  }
  try {
    // Order matters: groups and gid need root, so they go before the uid (setuid(2) NOTES).
    ids.initgroups(cfg.user, gid);
    ids.setgid(gid);
    ids.setuid(account.uid);
  } catch (err) {
    throw refuse('user', `switching to "${cfg.user}" failed (${why(err)})`);
  }
  if (ids.getuid() !== account.uid || ids.geteuid() !== account.uid || ids.getgid() !== gid || ids.getegid() !== gid) {
    throw refuse('user', `still uid ${ids.geteuid()} gid ${ids.getegid()} after switching to "${cfg.user}"`);
  }
  if (account.uid !== 0 && regainsRoot(ids)) throw refuse('user', `root could be regained after switching to "${cfg.user}"`);
  return { kind: 'switched', user: cfg.user, uid: account.uid, gid };
}

/** After a real switch setuid(0) must fail (no saved set-user-ID of 0 left behind). */
function regainsRoot(ids: ProcessIds): boolean {
  try {
    ids.setuid(0);
  } catch {
    return false;
  }
  return true;
}
