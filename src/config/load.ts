// Builds the one frozen Config (SPEC §6): schema defaults ← config file (YAML or JSON) ← command-line
// flags ← environment (MAILTAP_<SECTION>_<KEY>), validated by the zod schema in one pass so every
// error is listed at once with its key path and where the value came from. Throws ConfigError.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument, parse as parseYaml } from 'yaml';
import { configSchema, defaultConfig } from './schema.js';
import type { Config } from './types.js';
import { ConfigError } from '../shared/errors.js';

export interface LoadConfigOptions {
  /** Config file (`.json` is read as JSON, anything else as YAML); absent = defaults only. */
  path?: string;
  /** Environment to read MAILTAP_* overrides from; pass {} to ignore the process environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Flag overrides keyed by config path (`capture.interface`), raw strings as typed. */
  flags?: Readonly<Record<string, string | undefined>>;
  /**
   * Called once for each MAILTAP_* variable that names no setting. Such names are warnings, not
   * errors (SPEC §6): Kubernetes injects MAILTAP_PORT, MAILTAP_SERVICE_HOST … into every pod of a
   * namespace holding a Service called mailtap, and the sensor must still start.
   */
  onUnknownEnv?: (name: string, message: string) => void;
}

export const ENV_PREFIX = 'MAILTAP_';

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads and parses the file; syntax errors become problems (all of them, with line numbers). */
function readConfigFile(path: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${path}: cannot read config file: ${(err as Error).message}`);
    return undefined;
  }
  if (extname(path).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      problems.push(`${path}: invalid JSON: ${(err as Error).message}`);
      return undefined;
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const at = lineCounter.linePos(e.pos[0]);
      problems.push(`${path}:${at.line}:${at.col}: invalid YAML: ${e.message.split('\n')[0]}`);
    }
    return undefined;
  }
  return doc.toJS() as unknown;
}

/**
 * Keys the schema does not know, at any depth. The section schemas strip unknown keys, so a typo
 * (`idle_timout_s`) would otherwise be silently ignored and the default used.
 */
function unknownKeys(input: unknown, shape: unknown, path: string, out: string[]): void {
  if (!isTree(input) || !isTree(shape)) return;
  for (const key of Object.keys(input)) {
    const p = path === '' ? key : `${path}.${key}`;
    if (!(key in shape)) out.push(p);
    else unknownKeys(input[key], shape[key], p, out);
  }
}

function setPath(root: Tree, path: readonly string[], value: unknown): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = node[k];
    if (isTree(next)) node = next;
    else {
      const fresh: Tree = {};
      node[k] = fresh;
      node = fresh;
    }
  }
  node[path[path.length - 1]!] = value;
}

/**
 * An override value typed as text: parsed as a YAML scalar or flow list (so `60`, `true` and
 * `[25,587]` work) unless the setting is a string, whose text is kept as written (`0640` stays a
 * mode, an interface called `1` stays a name); a single value for a list setting is a list of one.
 */
function coerce(raw: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'string') return raw;
  let v: unknown;
  try {
    v = parseYaml(raw) as unknown;
  } catch {
    return raw;
  }
  // A list setting given one value (MAILTAP_CAPTURE_PORTS=25) means a list of that value.
  if (Array.isArray(defaultValue) && v !== null && !Array.isArray(v) && typeof v !== 'object') return [v];
  return v;
}

/** MAILTAP_FLOWS_IDLE_TIMEOUT_S → ['flows', 'idle_timeout_s'], walking the default tree so nested keys (capture.shard.index) and keys with underscores resolve. */
export function envKeyToPath(name: string, defaults: Tree): string[] | null {
  let rest = name.slice(ENV_PREFIX.length).toLowerCase();
  let node: Tree = defaults;
  const path: string[] = [];
  for (;;) {
    if (Object.prototype.hasOwnProperty.call(node, rest) && !isTree(node[rest])) return [...path, rest];
    let step: string | null = null;
    for (const k of Object.keys(node)) {
      if (isTree(node[k]) && rest.startsWith(`${k}_`) && (step === null || k.length > step.length)) step = k;
    }
    if (step === null) return null;
    path.push(step);
    node = node[step] as Tree;
    rest = rest.slice(step.length + 1);
  }
}

function valueAt(tree: Tree, path: readonly string[]): unknown {
  let node: unknown = tree;
  for (const k of path) node = isTree(node) ? node[k] : undefined;
  return node;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/** Loads, merges and validates; throws ConfigError listing every problem. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  const defaults = defaultConfig() as unknown as Tree;
  const source = new Map<string, string>(); // key path → where its value came from, for messages
  let input: Tree = {};
  if (opts.path !== undefined) {
    const fromFile = readConfigFile(opts.path, problems);
    if (fromFile === undefined || fromFile === null) input = {};
    else if (isTree(fromFile)) input = fromFile;
    else problems.push(`${opts.path}: the configuration must be a mapping of sections, not ${Array.isArray(fromFile) ? 'a list' : typeof fromFile}`);
  }
  const unknown: string[] = [];
  unknownKeys(input, defaults, '', unknown);
  for (const p of unknown) problems.push(`${p}: unknown setting${opts.path ? ` (in ${opts.path})` : ''}`);

  for (const [key, raw] of Object.entries(opts.flags ?? {})) {
    if (raw === undefined) continue;
    const path = key.split('.');
    setPath(input, path, coerce(raw, valueAt(defaults, path)));
    source.set(key, 'command line');
  }

  const env = opts.env ?? process.env;
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = envKeyToPath(name, defaults);
    if (path === null) {
      opts.onUnknownEnv?.(name, `${name}: environment variable names no setting, ignored (expected ${ENV_PREFIX}<SECTION>_<KEY>)`);
      continue;
    }
    setPath(input, path, coerce(raw, valueAt(defaults, path)));
    source.set(path.join('.'), name);
  }

  const result = configSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') continue; // listed above, at every depth
      const path = issue.path.map(String).join('.');
      let from = '';
      for (const [k, s] of source) if (path === k || path.startsWith(`${k}.`)) from = ` (from ${s})`;
      problems.push(`${path === '' ? '(top level)' : path}: ${issue.message}${from}`);
    }
  }
  if (problems.length > 0) {
    const where = opts.path === undefined ? 'configuration' : `configuration ${opts.path}`;
    throw new ConfigError(`${where}: ${problems.length} error${problems.length === 1 ? '' : 's'}`, problems);
  }
  return deepFreeze(result.data as Config);
}
