// detected_type from an attachment's leading bytes (a compact libmagic-style table), and the
// check of that type against the declared media type and filename extension. Pure; consumes the
// first SNIFF_BYTES decoded bytes (and the ISO 9660 probes further in), produces a media type
// string or undefined (unknown). Hand-written rather than npm file-type: see test/bench/magic-bench.ts.

/** Bytes kept for sniffing: enough to see the first ZIP entry names of an OOXML document. */
export const SNIFF_BYTES = 4096;

/**
 * ISO 9660 puts its magic far past the head: `CD001` in the first volume descriptor, at 0x8001
 * (sector 16 + 1), or 0x8801 / 0x9001 for a disc with boot or supplementary descriptors first
 * (libmagic looks at the same three). Only these 5-byte windows are kept, not the 36 KiB before them.
 */
export const DEEP_PROBES: readonly number[] = [0x8001, 0x8801, 0x9001];
export const DEEP_PROBE_BYTES = 5;

interface Magic {
  type: string;
  offset: number;
  bytes: readonly number[];
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const TABLE: readonly Magic[] = [
  { type: 'application/pdf', offset: 0, bytes: ascii('%PDF-') },
  { type: 'application/zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/zip', offset: 0, bytes: [0x50, 0x4b, 0x05, 0x06] },
  { type: 'application/x-ole-storage', offset: 0, bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { type: 'application/x-dosexec', offset: 0, bytes: ascii('MZ') },
  { type: 'application/x-executable', offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { type: 'image/png', offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', offset: 0, bytes: ascii('GIF8') },
  { type: 'image/tiff', offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00] },
  { type: 'image/tiff', offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { type: 'application/gzip', offset: 0, bytes: [0x1f, 0x8b] },
  { type: 'application/vnd.rar', offset: 0, bytes: ascii('Rar!\x1a\x07') },
  { type: 'application/x-7z-compressed', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { type: 'application/vnd.ms-tnef', offset: 0, bytes: [0x78, 0x9f, 0x3e, 0x22] },
  { type: 'application/vnd.ms-cab-compressed', offset: 0, bytes: ascii('MSCF') },
  { type: 'application/rtf', offset: 0, bytes: ascii('{\\rtf') },
  // MS-SHLLINK §2.1: HeaderSize 0x4C, then the LinkCLSID 00021401-0000-0000-C000-000000000046.
  { type: 'application/x-ms-shortcut', offset: 0, bytes: [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46] },
  // Compiled HTML Help: the ITSF header.
  { type: 'application/vnd.ms-htmlhelp', offset: 0, bytes: ascii('ITSF\x03\x00\x00\x00') },
  { type: 'image/bmp', offset: 0, bytes: ascii('BM') },
];

const OOXML: readonly [string, string][] = [
  ['word/', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xl/', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['ppt/', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
];

function matches(buf: Buffer, m: Magic): boolean {
  if (buf.length < m.offset + m.bytes.length) return false;
  for (let i = 0; i < m.bytes.length; i++) if (buf[m.offset + i] !== m.bytes[i]) return false;
  return true;
}

/** The start of a text file: BOM and leading whitespace skipped, lower-case, at most 512 characters. */
function textHead(buf: Buffer): string {
  return buf.toString('latin1', 0, Math.min(buf.length, 512)).replace(/^\xef\xbb\xbf|^\xff\xfe|^\xfe\xff/, '').replace(/\0/g, '').trimStart().toLowerCase();
}

/** `#!` interpreters named by the script types libmagic reports. */
const SHEBANG: readonly [RegExp, string][] = [
  [/^#![^\n]*\b(?:ba|da|k|z)?sh\b/, 'text/x-shellscript'],
  [/^#![^\n]*\bpython/, 'text/x-python'],
  [/^#![^\n]*\bperl/, 'text/x-perl'],
  [/^#![^\n]*\bnode\b/, 'application/javascript'],
];

/**
 * Windows Script Host droppers (.js/.jse/.vbs/.wsf mailed as attachments): text that drives WSH or
 * COM. Only these markers count, so ordinary text mentioning `function` is not a script.
 */
const WSH_RE = /\bwscript\.|\bactivexobject\s*\(|\bcreateobject\s*\(|\bshell\.application\b|\bwscript\.shell\b/;
const VBS_RE = /(?:^|\n)\s*(?:dim\s|set\s+\w+\s*=|on error resume next|sub\s+\w+|end sub|function\s+\w+\s*\(.*\)\s*(?:\r?\n))/;

/** HTML, HTA, scripts: text types told from their first characters. */
function detectText(buf: Buffer): string | undefined {
  const head = textHead(buf);
  if (head.startsWith('#!')) {
    for (const [re, type] of SHEBANG) if (re.test(head)) return type;
    return 'text/x-script';
  }
  // An HTA is HTML that Windows runs with full rights (mshta.exe): its own type.
  if (head.startsWith('<') && /<hta:application[\s>]/.test(buf.toString('latin1', 0, Math.min(buf.length, 4096)).toLowerCase())) return 'application/hta';
  if (/^<(?:!doctype html|html|head|body|script|iframe|meta|title)[\s>]/.test(head)) return 'text/html';
  if (/^(?:<\?xml[^>]*>\s*)?<package[\s>]|^<job[\s>]/.test(head)) return 'text/x-wsf';
  const text = buf.toString('latin1', 0, buf.length).toLowerCase();
  if (WSH_RE.test(text)) return VBS_RE.test(text) ? 'text/vbscript' : 'application/javascript';
  return undefined;
}

/** The media type the leading bytes show, or undefined. `deep` holds the DEEP_PROBES windows. */
export function detectType(head: Buffer, deep?: Buffer): string | undefined {
  for (const m of TABLE) {
    if (!matches(head, m)) continue;
    if (m.type === 'application/zip' && head.indexOf('[Content_Types].xml') >= 0) {
      for (const [dir, type] of OOXML) if (head.indexOf(dir) >= 0) return type;
    }
    if (m.type === 'image/bmp' && !looksBmp(head)) continue;
    return m.type;
  }
  if (deep !== undefined) {
    for (let i = 0; i < DEEP_PROBES.length; i++) {
      if (deep.toString('latin1', i * DEEP_PROBE_BYTES, (i + 1) * DEEP_PROBE_BYTES) === 'CD001') return 'application/x-iso9660-image';
    }
  }
  return detectText(head);
}

/** `BM` starts much text: a BMP also has its file size and the pixel offset in range. */
function looksBmp(buf: Buffer): boolean {
  if (buf.length < 26) return false;
  const dib = buf.readUInt32LE(14);
  return buf.readUInt32LE(6) === 0 && (dib === 12 || dib === 40 || dib === 52 || dib === 56 || dib === 108 || dib === 124);
}

/**
 * Broad families a declared type or extension may claim; detected types map to one family. Image
 * formats are families of their own (a JPEG sent as image/png is a mismatch, issue 15); an image
 * type this table does not know claims only "some image".
 */
type Family =
  | 'pdf' | 'zip' | 'ooxml' | 'ole' | 'pe' | 'elf' | 'png' | 'jpeg' | 'gif' | 'tiff' | 'bmp' | 'image'
  | 'gzip' | 'rar' | '7z' | 'tnef' | 'cab' | 'rtf' | 'text' | 'script' | 'lnk' | 'iso' | 'chm';

const IMAGES: ReadonlySet<Family> = new Set(['png', 'jpeg', 'gif', 'tiff', 'bmp']);

const DETECTED_FAMILY: Readonly<Record<string, Family>> = {
  'application/pdf': 'pdf', 'application/zip': 'zip', 'application/x-ole-storage': 'ole',
  'application/x-dosexec': 'pe', 'application/x-executable': 'elf', 'image/png': 'png', 'image/jpeg': 'jpeg',
  'image/gif': 'gif', 'image/tiff': 'tiff', 'image/bmp': 'bmp', 'application/gzip': 'gzip',
  'application/vnd.rar': 'rar', 'application/x-7z-compressed': '7z', 'application/vnd.ms-tnef': 'tnef',
  'application/vnd.ms-cab-compressed': 'cab', 'application/rtf': 'rtf',
  'text/html': 'text',
  'application/hta': 'script', 'text/x-shellscript': 'script', 'text/x-python': 'script', 'text/x-perl': 'script',
  'application/javascript': 'script', 'text/vbscript': 'script', 'text/x-wsf': 'script', 'text/x-script': 'script',
  'application/x-ms-shortcut': 'lnk', 'application/x-iso9660-image': 'iso', 'application/vnd.ms-htmlhelp': 'chm',
  [OOXML[0]![1]]: 'ooxml', [OOXML[1]![1]]: 'ooxml', [OOXML[2]![1]]: 'ooxml',
};

const EXT_FAMILY: Readonly<Record<string, Family>> = {
  pdf: 'pdf', zip: 'zip', jar: 'zip', apk: 'zip', docx: 'ooxml', xlsx: 'ooxml', pptx: 'ooxml', docm: 'ooxml',
  xlsm: 'ooxml', pptm: 'ooxml', doc: 'ole', xls: 'ole', ppt: 'ole', msg: 'ole', msi: 'ole', exe: 'pe', dll: 'pe',
  scr: 'pe', com: 'pe', sys: 'pe', cpl: 'pe', png: 'png', jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', gif: 'gif',
  bmp: 'bmp', tif: 'tiff', tiff: 'tiff', gz: 'gzip', tgz: 'gzip', rar: 'rar', '7z': '7z',
  cab: 'cab', rtf: 'rtf', txt: 'text', htm: 'text', html: 'text', csv: 'text',
  js: 'script', jse: 'script', vbs: 'script', vbe: 'script', wsf: 'script', wsh: 'script', hta: 'script',
  sh: 'script', py: 'script', pl: 'script', lnk: 'lnk', iso: 'iso', chm: 'chm',
};

const TYPE_FAMILY: Readonly<Record<string, Family>> = {
  'application/pdf': 'pdf', 'application/zip': 'zip', 'application/x-zip-compressed': 'zip',
  'application/msword': 'ole', 'application/vnd.ms-excel': 'ole', 'application/vnd.ms-powerpoint': 'ole',
  'application/x-msdownload': 'pe', 'application/x-dosexec': 'pe', 'application/gzip': 'gzip',
  'application/x-gzip': 'gzip', 'application/x-rar-compressed': 'rar', 'application/vnd.rar': 'rar',
  'application/x-7z-compressed': '7z', 'application/ms-tnef': 'tnef', 'application/vnd.ms-tnef': 'tnef',
  'application/rtf': 'rtf', 'text/rtf': 'rtf', 'text/plain': 'text', 'text/html': 'text', 'text/csv': 'text',
  'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/pjpeg': 'jpeg', 'image/gif': 'gif',
  'image/tiff': 'tiff', 'image/bmp': 'bmp', 'image/x-ms-bmp': 'bmp',
  'application/javascript': 'script', 'text/javascript': 'script', 'application/x-javascript': 'script',
  'text/vbscript': 'script', 'application/x-vbscript': 'script', 'application/hta': 'script',
  'application/x-sh': 'script', 'text/x-shellscript': 'script', 'text/x-python': 'script',
  'application/x-ms-shortcut': 'lnk', 'application/x-iso9660-image': 'iso', 'application/x-cd-image': 'iso',
  'application/vnd.ms-htmlhelp': 'chm', 'application/x-chm': 'chm',
  [OOXML[0]![1]]: 'ooxml', [OOXML[1]![1]]: 'ooxml', [OOXML[2]![1]]: 'ooxml',
};

function compatible(claim: Family, found: Family): boolean {
  if (claim === found) return true;
  // OOXML documents are ZIP archives; a claim of either accepts the other. RTF is text.
  if ((claim === 'zip' && found === 'ooxml') || (claim === 'ooxml' && found === 'zip')) return true;
  if (claim === 'text' && found === 'rtf') return true;
  if (claim === 'image' && IMAGES.has(found)) return true;
  return false;
}

function claimOfType(type: string): Family | undefined {
  return TYPE_FAMILY[type] ?? (type.startsWith('image/') ? 'image' : undefined);
}

/** True when the declared type or the filename extension disagrees with the detected type. */
export function typeMismatch(declared: string, filename: string | undefined, detected: string | undefined): boolean {
  if (detected === undefined) return false;
  const found = DETECTED_FAMILY[detected];
  if (found === undefined) return false;
  const byType = claimOfType(declared);
  if (byType !== undefined && !compatible(byType, found)) return true;
  if (filename !== undefined) {
    const dot = filename.lastIndexOf('.');
    const ext = dot >= 0 ? filename.slice(dot + 1).trim().toLowerCase() : '';
    const byExt = EXT_FAMILY[ext];
    if (byExt !== undefined && !compatible(byExt, found)) return true;
  }
  return false;
}
