// detected_type from an attachment's leading bytes (a compact libmagic-style table), and the
// check of that type against the declared media type and filename extension. Pure; consumes the
// first SNIFF_BYTES decoded bytes, produces a media type string or undefined (unknown).

/** Bytes kept for sniffing: enough to see the first ZIP entry names of an OOXML document. */
export const SNIFF_BYTES = 4096;

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

/** HTML: a document that opens (after whitespace and a BOM) with a doctype or an html/head/body tag. */
function looksHtml(buf: Buffer): boolean {
  const head = buf.toString('latin1', 0, Math.min(buf.length, 512)).replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  return /^<(!doctype html|html|head|body)[\s>]/.test(head);
}

/** The media type the leading bytes show, or undefined. */
export function detectType(head: Buffer): string | undefined {
  for (const m of TABLE) {
    if (!matches(head, m)) continue;
    if (m.type === 'application/zip' && head.indexOf('[Content_Types].xml') >= 0) {
      for (const [dir, type] of OOXML) if (head.indexOf(dir) >= 0) return type;
    }
    return m.type;
  }
  return looksHtml(head) ? 'text/html' : undefined;
}

/** Broad families a declared type or extension may claim; detected types map to one family. */
type Family = 'pdf' | 'zip' | 'ooxml' | 'ole' | 'pe' | 'elf' | 'image' | 'gzip' | 'rar' | '7z' | 'tnef' | 'cab' | 'rtf' | 'text';

const DETECTED_FAMILY: Readonly<Record<string, Family>> = {
  'application/pdf': 'pdf', 'application/zip': 'zip', 'application/x-ole-storage': 'ole',
  'application/x-dosexec': 'pe', 'application/x-executable': 'elf', 'image/png': 'image', 'image/jpeg': 'image',
  'image/gif': 'image', 'image/tiff': 'image', 'application/gzip': 'gzip',
  'application/vnd.rar': 'rar', 'application/x-7z-compressed': '7z', 'application/vnd.ms-tnef': 'tnef',
  'application/vnd.ms-cab-compressed': 'cab', 'application/rtf': 'rtf',
  'text/html': 'text',
  [OOXML[0]![1]]: 'ooxml', [OOXML[1]![1]]: 'ooxml', [OOXML[2]![1]]: 'ooxml',
};

const EXT_FAMILY: Readonly<Record<string, Family>> = {
  pdf: 'pdf', zip: 'zip', jar: 'zip', apk: 'zip', docx: 'ooxml', xlsx: 'ooxml', pptx: 'ooxml', docm: 'ooxml',
  xlsm: 'ooxml', pptm: 'ooxml', doc: 'ole', xls: 'ole', ppt: 'ole', msg: 'ole', msi: 'ole', exe: 'pe', dll: 'pe',
  scr: 'pe', com: 'pe', sys: 'pe', cpl: 'pe', png: 'image', jpg: 'image', jpeg: 'image', gif: 'image',
  bmp: 'image', tif: 'image', tiff: 'image', gz: 'gzip', tgz: 'gzip', rar: 'rar', '7z': '7z',
  cab: 'cab', rtf: 'rtf', txt: 'text', htm: 'text', html: 'text', csv: 'text',
};

const TYPE_FAMILY: Readonly<Record<string, Family>> = {
  'application/pdf': 'pdf', 'application/zip': 'zip', 'application/x-zip-compressed': 'zip',
  'application/msword': 'ole', 'application/vnd.ms-excel': 'ole', 'application/vnd.ms-powerpoint': 'ole',
  'application/x-msdownload': 'pe', 'application/x-dosexec': 'pe', 'application/gzip': 'gzip',
  'application/x-gzip': 'gzip', 'application/x-rar-compressed': 'rar', 'application/vnd.rar': 'rar',
  'application/x-7z-compressed': '7z', 'application/ms-tnef': 'tnef', 'application/vnd.ms-tnef': 'tnef',
  'application/rtf': 'rtf', 'text/rtf': 'rtf', 'text/plain': 'text', 'text/html': 'text', 'text/csv': 'text',
  [OOXML[0]![1]]: 'ooxml', [OOXML[1]![1]]: 'ooxml', [OOXML[2]![1]]: 'ooxml',
};

function compatible(claim: Family, found: Family): boolean {
  if (claim === found) return true;
  // OOXML documents are ZIP archives; a claim of either accepts the other. RTF is text.
  if ((claim === 'zip' && found === 'ooxml') || (claim === 'ooxml' && found === 'zip')) return true;
  if (claim === 'text' && found === 'rtf') return true;
  return false;
}

function claimOfType(type: string): Family | undefined {
  if (type.startsWith('image/')) return 'image';
  return TYPE_FAMILY[type];
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
