// Shared plumbing for Office Open XML packages (.docx, .pptx, .xlsx): open the zip with clear failure
// kinds, follow relationships between parts, read the core properties, and walk prefix-agnostic XML.
import { posix } from 'node:path';
import type JSZip from 'jszip';
import { parseError } from '../../core/errors.js';

export type OoxmlKind = 'docx' | 'pptx' | 'xlsx';

interface KindInfo {
  /** With its article, for messages. */
  label: string;
  mainPart: string;
  /** Main-part content types of this kind (document, template, macro-enabled, slide show). */
  contentType: RegExp;
}

const KINDS: Record<OoxmlKind, KindInfo> = {
  docx: {
    label: 'a Word document (.docx)',
    mainPart: 'word/document.xml',
    contentType: /wordprocessingml\.(document|template)\.main|ms-word\.(document|template)/i,
  },
  pptx: {
    label: 'a PowerPoint presentation (.pptx)',
    mainPart: 'ppt/presentation.xml',
    contentType: /presentationml\.(presentation|slideshow|template)\.main|ms-powerpoint\.(presentation|slideshow|template)/i,
  },
  xlsx: {
    label: 'an Excel workbook (.xlsx)',
    mainPart: 'xl/workbook.xml',
    contentType: /spreadsheetml\.(sheet|template)\.main|ms-excel\.(sheet|template)/i,
  },
};

/** Compound File Binary header: legacy .doc/.ppt/.xls, and also every *encrypted* OOXML file. */
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const OFFICE_DOCUMENT_REL = /\/officeDocument$/;

export interface OoxmlPackage {
  zip: JSZip;
  /** Path of the main part inside the zip (`word/document.xml`…), found through `_rels/.rels`. */
  mainPart: string;
}

export interface CoreProperties {
  title?: string;
  author?: string;
  /** ISO 8601. */
  createdAt?: string;
  /** docProps modified date; not `modifiedAt`, which the pipeline sets to the file's mtime. */
  documentModifiedAt?: string;
}

export interface Relationship {
  type: string;
  /** Zip path of the target part, resolved against the source part's folder. */
  target: string;
}

/**
 * Open the bytes of an OOXML file and check it is the expected kind. Throws `encrypted` for CFB files,
 * `empty` for zero bytes and `corrupt` for anything that is not a readable package of that kind.
 */
export async function openPackage(parser: string, kind: OoxmlKind, bytes: Buffer): Promise<OoxmlPackage> {
  const info = KINDS[kind];
  if (bytes.length === 0) throw parseError(parser, 'empty', 'no text content: the file is empty (0 bytes)');
  if (bytes.subarray(0, CFB_MAGIC.length).equals(CFB_MAGIC)) {
    throw parseError(
      parser,
      'encrypted',
      `password-protected (or legacy binary .doc/.ppt/.xls) Office file: save an unprotected .docx/.pptx/.xlsx copy`,
    );
  }
  // Every zip starts with a local file header "PK\3\4"; checking first gives a better message than JSZip's.
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw parseError(parser, 'corrupt', `not ${info.label}: the file is not a zip package; it may be damaged or misnamed`);
  }
  const { default: JSZipCtor } = await import('jszip');
  let zip: JSZip;
  try {
    zip = await JSZipCtor.loadAsync(bytes);
  } catch (cause) {
    throw parseError(
      parser,
      'corrupt',
      `damaged or truncated file, not readable as ${info.label} (${errorText(cause)}); re-save or re-download it`,
      cause,
    );
  }

  const rels = await readRels(parser, zip, '');
  const main = [...rels.values()].find((r) => OFFICE_DOCUMENT_REL.test(r.type))?.target ?? info.mainPart;
  if (!zip.file(main)) {
    throw parseError(parser, 'corrupt', `not ${info.label}: the zip has no ${main}; it may be damaged or misnamed`);
  }
  const actual = await contentTypeOf(parser, zip, main);
  if (actual && !info.contentType.test(actual)) {
    const other = (Object.keys(KINDS) as OoxmlKind[]).find((k) => KINDS[k].contentType.test(actual));
    const found = other ? KINDS[other].label : `content of type ${actual}`;
    throw parseError(parser, 'corrupt', `not ${info.label}: the package holds ${found}; check the file extension`);
  }
  return { zip, mainPart: main };
}

/** Text of a part, or undefined when the part does not exist. Decompression failures are `corrupt`. */
export async function readPart(parser: string, zip: JSZip, path: string): Promise<string | undefined> {
  const file = zip.file(path);
  if (!file) return undefined;
  try {
    return await file.async('string');
  } catch (cause) {
    throw parseError(parser, 'corrupt', `damaged zip entry ${path} (${errorText(cause)}); re-save the file`, cause);
  }
}

/** Relationships of a part (`''` for the package itself), keyed by id. External targets are skipped. */
export async function readRels(parser: string, zip: JSZip, partPath: string): Promise<Map<string, Relationship>> {
  const dir = posix.dirname(partPath);
  const relsPath = partPath === '' ? '_rels/.rels' : posix.join(dir, '_rels', `${posix.basename(partPath)}.rels`);
  const xml = await readPart(parser, zip, relsPath);
  const rels = new Map<string, Relationship>();
  if (!xml) return rels;
  const doc = await parseXml(xml);
  for (const rel of descendants(doc.documentElement, 'Relationship')) {
    const id = rel.getAttribute('Id');
    const target = rel.getAttribute('Target');
    if (!id || !target || rel.getAttribute('TargetMode') === 'External') continue;
    rels.set(id, { type: rel.getAttribute('Type') ?? '', target: resolveTarget(partPath, target) });
  }
  return rels;
}

/** A relationship target is relative to the source part's folder, or absolute from the package root. */
export function resolveTarget(partPath: string, target: string): string {
  let t = target;
  try {
    t = decodeURI(target); // targets are URIs: "my%20slide.xml"
  } catch {
    // a malformed escape: use the target as written
  }
  if (t.startsWith('/')) return t.slice(1);
  return posix.normalize(posix.join(posix.dirname(partPath), t)).replace(/^(\.\/)+/, '');
}

/** Title, author and dates from docProps/core.xml. Missing or malformed properties are never fatal. */
export async function readCoreProperties(parser: string, zip: JSZip): Promise<CoreProperties> {
  const xml = await readPart(parser, zip, 'docProps/core.xml');
  if (!xml) return {};
  const root = (await parseXml(xml)).documentElement;
  if (!root) return {};
  const text = (name: string): string | undefined => {
    const v = descendants(root, name)[0]?.textContent?.trim();
    return v || undefined;
  };
  const props: CoreProperties = {};
  const title = text('title');
  const author = text('creator');
  const created = isoDate(text('created'));
  const modified = isoDate(text('modified'));
  if (title) props.title = title;
  if (author) props.author = author;
  if (created) props.createdAt = created;
  if (modified) props.documentModifiedAt = modified;
  return props;
}

async function contentTypeOf(parser: string, zip: JSZip, partPath: string): Promise<string | undefined> {
  const xml = await readPart(parser, zip, '[Content_Types].xml');
  if (!xml) return undefined;
  const root = (await parseXml(xml)).documentElement;
  if (!root) return undefined;
  const wanted = `/${partPath}`.toLowerCase();
  const override = descendants(root, 'Override').find((o) => o.getAttribute('PartName')?.toLowerCase() === wanted);
  if (override) return override.getAttribute('ContentType') ?? undefined;
  const ext = posix.extname(partPath).slice(1).toLowerCase();
  const fallback = descendants(root, 'Default').find((d) => d.getAttribute('Extension')?.toLowerCase() === ext);
  const type = fallback?.getAttribute('ContentType') ?? undefined;
  // A generic `application/xml` default says nothing about the kind; only a specific type can rule it out.
  return type && /officedocument|ms-/i.test(type) ? type : undefined;
}

function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// --- XML walking -------------------------------------------------------------------------------------
// Office writes fixed prefixes (w:, a:, p:) but nothing requires them, so elements are matched by local name.

/** Parse an XML part. Never throws; malformed XML yields a document whose root may be missing. */
export async function parseXml(xml: string): Promise<Document> {
  const { DOMParser } = await import('linkedom');
  return new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
}

/** Element name without its namespace prefix. */
export function localName(el: Element): string {
  const tag = el.tagName;
  return tag.slice(tag.indexOf(':') + 1);
}

export function childElements(el: Element | null | undefined, name?: string): Element[] {
  if (!el) return [];
  return Array.from(el.children).filter((c) => name === undefined || localName(c) === name);
}

export function firstChild(el: Element | null | undefined, name: string): Element | undefined {
  return childElements(el, name)[0];
}

/** Descendants with a local name, in document order. */
export function descendants(el: Element | null | undefined, name: string): Element[] {
  const found: Element[] = [];
  const visit = (e: Element): void => {
    for (const c of Array.from(e.children)) {
      if (localName(c) === name) found.push(c);
      visit(c);
    }
  };
  if (el) visit(el);
  return found;
}
