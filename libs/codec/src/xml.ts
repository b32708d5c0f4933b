import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { CodecError, DecodeLimits, DEFAULT_LIMITS, FORBIDDEN_NAMES } from './errors';

/** How a scalar property is carried as an XML attribute. */
export type XmlScalar = 'string' | 'number' | 'boolean';

/** One element: its scalar properties as attributes, its object and array properties as child elements. */
export interface XmlElementSchema {
  attrs?: Record<string, XmlScalar>;
  children?: Record<string, XmlChildSchema>;
}

/** A child element: the property `name` is carried as `<tag>` (repeated when `array`). */
export interface XmlChildSchema {
  tag: string;
  array?: boolean;
  schema: XmlElementSchema;
}

/** A whole document: the root element's name and shape. */
export interface XmlDocumentSchema {
  root: string;
  schema: XmlElementSchema;
}

const ATTRS = '$';
const TEXT = '#text';
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*$/;
// One attribute, matched where the last one ended (sticky): linear, no backtracking across attributes.
const ATTRIBUTE = /\s+([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;
const TAG_END = /\s*\/?$/y;

function malformed(detail: string): never {
  throw new CodecError('malformed', `not well-formed XML: ${detail}`);
}

/**
 * Linear pre-scan before the parser sees anything, and the document's well-formedness check
 * (so the parser's own validation pass, which cost more than the parse, is not needed):
 * refuses DOCTYPE/ENTITY and any other `<!` declaration (agents never need one, and it is where
 * entity expansion and XXE live), forbidden tag or attribute names, documents deeper or larger
 * than the limits, and structure errors: unbalanced or mismatched tags, malformed or repeated
 * attributes, text or a second element outside the root.
 */
export function prescanXml(text: string, limits: DecodeLimits = DEFAULT_LIMITS): void {
  if (text.length > limits.maxChars) throw new CodecError('too-large', `document longer than ${limits.maxChars} characters`);
  const open: string[] = [];
  let elements = 0;
  let roots = 0;
  let last = 0;
  let i = text.indexOf('<');
  while (i !== -1) {
    if (!open.length && text.slice(last, i).trim() !== '') malformed('text outside the root element');
    const c = text.charCodeAt(i + 1);
    if (c === 63 /* ? */) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) malformed('unterminated processing instruction');
      last = end + 2;
      i = text.indexOf('<', last);
      continue;
    }
    if (c === 33 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end === -1) malformed('unterminated comment');
        last = end + 3;
        i = text.indexOf('<', last);
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        if (!open.length) malformed('CDATA outside the root element');
        const end = text.indexOf(']]>', i + 9);
        if (end === -1) malformed('unterminated CDATA section');
        last = end + 3;
        i = text.indexOf('<', last);
        continue;
      }
      throw new CodecError('forbidden', 'DOCTYPE and other declarations are not accepted');
    }
    // Find the end of the tag, skipping quoted attribute values (which may contain '>').
    let j = i + 1;
    let quote = 0;
    for (; j < text.length; j++) {
      const ch = text.charCodeAt(j);
      if (quote) {
        if (ch === quote) quote = 0;
      } else if (ch === 34 || ch === 39) quote = ch;
      else if (ch === 62 /* > */) break;
    }
    if (j >= text.length) malformed('unterminated tag');
    const tag = text.slice(i + 1, j);
    if (c === 47 /* / */) {
      const name = tag.slice(1).trimEnd();
      if (!open.length) malformed(`</${name.slice(0, 64)}> closes nothing`);
      if (open[open.length - 1] !== name) malformed(`</${name.slice(0, 64)}> does not close <${open[open.length - 1]}>`);
      open.pop();
    } else {
      let nameEnd = tag.search(/[\s/]/);
      if (nameEnd === -1) nameEnd = tag.length;
      const name = tag.slice(0, nameEnd);
      if (FORBIDDEN_NAMES.has(name)) throw new CodecError('forbidden', `forbidden element name "${name}"`);
      if (!NAME.test(name)) malformed(`bad element name "${name.slice(0, 64)}"`);
      if (!open.length && ++roots > 1) malformed('more than one root element');
      let seen: Set<string> | undefined;
      ATTRIBUTE.lastIndex = nameEnd;
      for (let m = ATTRIBUTE.exec(tag); m; m = ATTRIBUTE.exec(tag)) {
        const attr = m[1];
        if (FORBIDDEN_NAMES.has(attr)) throw new CodecError('forbidden', `forbidden attribute name "${attr}"`);
        if ((seen ??= new Set()).has(attr)) malformed(`attribute "${attr}" repeated in <${name}>`);
        seen.add(attr);
        TAG_END.lastIndex = ATTRIBUTE.lastIndex;
      }
      TAG_END.lastIndex = seen ? TAG_END.lastIndex : nameEnd;
      if (!TAG_END.test(tag)) malformed(`malformed attributes in <${name}>`);
      if (++elements > limits.maxElements) throw new CodecError('too-many', `more than ${limits.maxElements} elements`);
      if (text.charCodeAt(j - 1) !== 47 /* self-closing */) {
        open.push(name);
        if (open.length > limits.maxDepth) throw new CodecError('too-deep', `nesting deeper than ${limits.maxDepth}`);
      }
    }
    last = j + 1;
    i = text.indexOf('<', last);
  }
  if (open.length) malformed(`<${open[open.length - 1]}> is not closed`);
  if (text.slice(last).trim() !== '') malformed('text outside the root element');
  if (!roots) malformed('no root element');
}

function parserFor(limits: DecodeLimits): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: ATTRS,
    textNodeName: TEXT,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: false,
    allowBooleanAttributes: false,
    maxNestedTags: limits.maxDepth + 1,
    // Every element as an array; the schema then decides what may repeat.
    isArray: (_name: string, _jpath: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  });
}

const parsers = new Map<string, XMLParser>();

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REF = /&(lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g;

/**
 * Resolves only the five predefined entities and character references, in one linear pass:
 * nothing can expand beyond its own length. Other `&name;` stay verbatim.
 */
function unescapeXml(raw: string): string {
  if (raw.indexOf('&') === -1) return raw;
  return raw.replace(REF, (m: string, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref];
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : m;
  });
}

function scalar(raw: string, kind: XmlScalar | undefined): unknown {
  raw = unescapeXml(raw);
  if (kind === 'number') return NUMBER.test(raw) ? Number(raw) : raw;
  if (kind === 'boolean') return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  return raw;
}

const childrenByTag = new WeakMap<XmlElementSchema, Map<string, [string, XmlChildSchema]>>();

/** A schema's child elements by tag, built once per schema. */
function byTagOf(schema: XmlElementSchema): Map<string, [string, XmlChildSchema]> {
  let byTag = childrenByTag.get(schema);
  if (!byTag) {
    byTag = new Map();
    for (const [prop, child] of Object.entries(schema.children ?? {})) byTag.set(child.tag, [prop, child]);
    childrenByTag.set(schema, byTag);
  }
  return byTag;
}

function convert(node: unknown, schema: XmlElementSchema, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof node === 'string') {
    if (node.trim() !== '') throw new CodecError('malformed', `unexpected text in ${path}`);
    return out;
  }
  const obj = node as Record<string, unknown>;
  const attrs = obj[ATTRS] as Record<string, string> | undefined;
  if (attrs) {
    for (const name of Object.keys(attrs)) {
      // Unknown attributes pass through as strings so DTO validation names them.
      out[name] = scalar(String(attrs[name]), schema.attrs?.[name]);
    }
  }
  const byTag = byTagOf(schema);
  for (const key of Object.keys(obj)) {
    if (key === ATTRS) continue;
    if (key === TEXT) {
      if (String(obj[key]).trim() !== '') throw new CodecError('malformed', `unexpected text in ${path}`);
      continue;
    }
    const items = obj[key] as unknown[];
    const known = byTag.get(key);
    if (!known) {
      out[key] = {};
      continue;
    }
    const [prop, child] = known;
    const childPath = `${path}.${key}`;
    if (child.array) out[prop] = items.map((it, n) => convert(it, child.schema, `${childPath}[${n}]`));
    else {
      if (items.length > 1) throw new CodecError('malformed', `${childPath} appears more than once`);
      out[prop] = convert(items[0], child.schema, childPath);
    }
  }
  // An absent repeated element is an empty list, not a missing property.
  for (const [prop, child] of byTag.values()) if (child.array && !(prop in out)) out[prop] = [];
  return out;
}

/**
 * Decodes an XML document into the plain object its DTO validates (one schema, two encodings).
 * Runs the pre-scan first; the parser never expands entities. Numbers and booleans are converted
 * only where the schema says so and only from strict literals; anything else stays a string for
 * the validator to reject.
 */
export function decodeXml(text: string, doc: XmlDocumentSchema, limits: DecodeLimits = DEFAULT_LIMITS): Record<string, unknown> {
  prescanXml(text, limits);
  const key = `${limits.maxDepth}`;
  let parser = parsers.get(key);
  if (!parser) parsers.set(key, (parser = parserFor(limits)));
  let parsed: Record<string, unknown>;
  try {
    // No validation pass: prescanXml has checked the structure.
    parsed = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CodecError(/SECURITY|reserved/.test(msg) ? 'forbidden' : /nest/i.test(msg) ? 'too-deep' : 'malformed', `not well-formed XML: ${msg.slice(0, 200)}`);
  }
  const roots = Object.keys(parsed).filter((k) => k !== TEXT); // whitespace around the root (prescanXml refused any other text)
  if (roots.length !== 1 || roots[0] !== doc.root) throw new CodecError('malformed', `expected one <${doc.root}> root element`);
  const items = parsed[doc.root] as unknown[];
  if (items.length !== 1) throw new CodecError('malformed', `expected one <${doc.root}> root element`);
  return convert(items[0], doc.schema, doc.root);
}

function toXmlNode(value: Record<string, unknown>, schema: XmlElementSchema): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  const attrs: Record<string, string> = {};
  for (const name of Object.keys(schema.attrs ?? {})) {
    const v = value[name];
    if (v !== undefined && v !== null) attrs[name] = String(v);
  }
  if (Object.keys(attrs).length) node[ATTRS] = attrs;
  for (const [prop, child] of Object.entries(schema.children ?? {})) {
    const v = value[prop];
    if (v === undefined || v === null) continue;
    node[child.tag] = child.array ? (v as Record<string, unknown>[]).map((it) => toXmlNode(it, child.schema)) : toXmlNode(v as Record<string, unknown>, child.schema);
  }
  return node;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRS,
  textNodeName: TEXT,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
  format: false,
});

/** Encodes a plain object as XML following the schema; properties the schema does not name are left out. */
export function encodeXml(value: Record<string, unknown>, doc: XmlDocumentSchema): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [doc.root]: toXmlNode(value, doc.schema) }) as string}`;
}
