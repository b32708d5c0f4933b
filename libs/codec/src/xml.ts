import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { CodecError, DecodeLimits, DEFAULT_LIMITS, FORBIDDEN_NAMES } from './errors';

/** How a scalar property is carried as an XML attribute. */
export type XmlScalar = 'string' | 'number' | 'boolean';

/** One element: its scalar properties as attributes, its object and array properties as child elements. */
export interface XmlElementSchema {
  attrs?: Record<string, XmlScalar>;
  /**
   * Values an attribute takes when it is absent. The encoder leaves out an attribute equal to
   * its default (most counters of a report are 0), the decoder puts it back: a shorter document
   * that decodes to the same object.
   */
  defaults?: Record<string, string | number | boolean>;
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
// Sticky (matched where the last match ended): an element name, one attribute (linear, no
// backtracking across attributes), the end of a start tag.
const NAME_AT = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const NAME_FOLLOW = /^[\s/>]$/;
const ATTRIBUTE_AT = /\s+([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;
const TAG_END_AT = /\s*(\/?)>/y;

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
    if (c === 47 /* / */) {
      const j = text.indexOf('>', i + 2);
      if (j === -1) malformed('unterminated tag');
      const name = text.slice(i + 2, j).trimEnd();
      if (!open.length) malformed(`</${name.slice(0, 64)}> closes nothing`);
      if (open[open.length - 1] !== name) malformed(`</${name.slice(0, 64)}> does not close <${open[open.length - 1]}>`);
      open.pop();
      last = j + 1;
      i = text.indexOf('<', last);
      continue;
    }
    // A start tag, matched in place with sticky expressions (no copy of the tag, no loop per
    // character): the name, each attribute, then `>` or `/>`.
    NAME_AT.lastIndex = i + 1;
    const nameMatch = NAME_AT.exec(text);
    const name = nameMatch ? nameMatch[0] : '';
    if (FORBIDDEN_NAMES.has(name)) throw new CodecError('forbidden', `forbidden element name "${name}"`);
    if (!nameMatch || !NAME_FOLLOW.test(text[NAME_AT.lastIndex] ?? '')) {
      const bad = /^[^\s/>]*/.exec(text.slice(i + 1, i + 65))![0];
      if (i + 1 + bad.length >= text.length) malformed('unterminated tag');
      malformed(`bad element name "${bad}"`);
    }
    if (!open.length && ++roots > 1) malformed('more than one root element');
    let at = NAME_AT.lastIndex;
    let seen: string[] | Set<string> | undefined;
    ATTRIBUTE_AT.lastIndex = at;
    for (let m = ATTRIBUTE_AT.exec(text); m; m = ATTRIBUTE_AT.exec(text)) {
      const attr = m[1];
      if (FORBIDDEN_NAMES.has(attr)) throw new CodecError('forbidden', `forbidden attribute name "${attr}"`);
      // A list while short (most elements have a few attributes), a set past 16 (linear however many).
      if (!seen) seen = [attr];
      else if (Array.isArray(seen)) {
        if (seen.includes(attr)) malformed(`attribute "${attr}" repeated in <${name}>`);
        seen.push(attr);
        if (seen.length > 16) seen = new Set(seen);
      } else {
        if (seen.has(attr)) malformed(`attribute "${attr}" repeated in <${name}>`);
        seen.add(attr);
      }
      at = ATTRIBUTE_AT.lastIndex;
    }
    TAG_END_AT.lastIndex = at;
    const end = TAG_END_AT.exec(text);
    if (!end) {
      if (text.indexOf('>', at) === -1) malformed('unterminated tag');
      malformed(`malformed attributes in <${name}>`);
    }
    const j = TAG_END_AT.lastIndex - 1;
    if (++elements > limits.maxElements) throw new CodecError('too-many', `more than ${limits.maxElements} elements`);
    if (!end[1]) {
      open.push(name);
      if (open.length > limits.maxDepth) throw new CodecError('too-deep', `nesting deeper than ${limits.maxDepth}`);
    }
    last = j + 1;
    i = text.indexOf('<', last);
  }
  if (open.length) malformed(`<${open[open.length - 1]}> is not closed`);
  if (text.slice(last).trim() !== '') malformed('text outside the root element');
  if (!roots) malformed('no root element');
}

/** The fast-xml-parser the decoder uses (exported for bench:ingest-floor, which times it alone). */
export function parserFor(limits: DecodeLimits): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: TEXT,
    // Elements as a list of `{ tag: children, ':@': attributes }` in document order: ~12 % less
    // parse time than the grouped form (no per-tag merging into objects and arrays), and
    // convert() walks it as easily.
    preserveOrder: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: false,
    allowBooleanAttributes: false,
    maxNestedTags: limits.maxDepth + 1,
    // No path strings built per tag (nothing here reads them): ~10 % of the parse.
    jPath: false,
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

/** What convert() needs of a schema, worked out once per schema. */
interface Compiled {
  attrs: Map<string, XmlScalar>;
  defaults: Array<[string, string | number | boolean]>;
  byTag: Map<string, [string, XmlChildSchema]>;
  /** The properties child elements are carried in. */
  props: Set<string>;
  arrays: string[];
}

const compiled = new WeakMap<XmlElementSchema, Compiled>();

function compile(schema: XmlElementSchema): Compiled {
  let c = compiled.get(schema);
  if (!c) {
    const byTag = new Map<string, [string, XmlChildSchema]>();
    for (const [prop, child] of Object.entries(schema.children ?? {})) byTag.set(child.tag, [prop, child]);
    c = {
      attrs: new Map(Object.entries(schema.attrs ?? {})),
      defaults: Object.entries(schema.defaults ?? {}),
      byTag,
      props: new Set([...byTag.values()].map(([prop]) => prop)),
      arrays: [...byTag.values()].filter(([, child]) => child.array).map(([prop]) => prop),
    };
    compiled.set(schema, c);
  }
  return c;
}

/** One element of the parser's ordered output: `{ [tag]: children, ':@'?: attributes }` or `{ '#text': text }`. */
type OrderedNode = Record<string, unknown>;
const ATTRS_KEY = ':@';

/** The element's tag: its one key other than the attributes (the parser builds no other). */
function tagOf(node: OrderedNode): string {
  for (const key in node) if (key !== ATTRS_KEY) return key;
  return '';
}

function convert(children: OrderedNode[], attrs: Record<string, string> | undefined, schema: XmlElementSchema, path: string): Record<string, unknown> {
  const c = compile(schema);
  const out: Record<string, unknown> = {};
  if (attrs) {
    // Own keys only (the parser's attribute object is a plain one); the pre-scan refused forbidden names.
    for (const name of Object.keys(attrs)) {
      // Unknown attributes pass through as strings so DTO validation names them.
      out[name] = scalar(String(attrs[name]), c.attrs.get(name));
    }
  }
  for (const [name, value] of c.defaults) if (!Object.hasOwn(out, name)) out[name] = value;
  for (const node of children) {
    const tag = tagOf(node);
    if (tag === TEXT) {
      if (String(node[TEXT]).trim() !== '') throw new CodecError('malformed', `unexpected text in ${path}`);
      continue;
    }
    const known = c.byTag.get(tag);
    if (!known) {
      // Passed on as an empty object so DTO validation names it, unless it would take the place
      // of a known child's property (<reports> among <report>s).
      if (c.props.has(tag)) throw new CodecError('malformed', `unexpected element <${tag}> in ${path}`);
      out[tag] = {};
      continue;
    }
    const [prop, child] = known;
    // What out[prop] holds tells what came before: attributes and defaults are scalars (a child
    // element replaces one of the same name, as it always has), and only child elements give a
    // list or an object here (an unknown element named like a property was refused above).
    const attrs = node[ATTRS_KEY] as Record<string, string> | undefined;
    const held = out[prop];
    if (child.array) {
      const list = Array.isArray(held) ? (held as Array<Record<string, unknown>>) : (out[prop] = []);
      list.push(convert(node[tag] as OrderedNode[], attrs, child.schema, `${path}.${tag}[${list.length}]`));
    } else {
      if (typeof held === 'object' && held !== null) throw new CodecError('malformed', `${path}.${tag} appears more than once`);
      out[prop] = convert(node[tag] as OrderedNode[], attrs, child.schema, `${path}.${tag}`);
    }
  }
  // An absent repeated element is an empty list, not a missing property.
  for (const prop of c.arrays) if (!Object.hasOwn(out, prop)) out[prop] = [];
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
  let parsed: OrderedNode[];
  try {
    // No validation pass: prescanXml has checked the structure.
    parsed = parser.parse(text) as OrderedNode[];
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CodecError(/SECURITY|reserved/.test(msg) ? 'forbidden' : /nest/i.test(msg) ? 'too-deep' : 'malformed', `not well-formed XML: ${msg.slice(0, 200)}`);
  }
  const roots = parsed.filter((node) => tagOf(node) !== TEXT); // whitespace around the root (prescanXml refused any other text)
  if (roots.length !== 1 || tagOf(roots[0]) !== doc.root) throw new CodecError('malformed', `expected one <${doc.root}> root element`);
  // prescanXml refused a second root element.
  return convert(roots[0][doc.root] as OrderedNode[], roots[0][ATTRS_KEY] as Record<string, string> | undefined, doc.schema, doc.root);
}

function toXmlNode(value: Record<string, unknown>, schema: XmlElementSchema): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  const attrs: Record<string, string> = {};
  for (const name of Object.keys(schema.attrs ?? {})) {
    const v = value[name];
    if (v !== undefined && v !== null && !(schema.defaults && Object.hasOwn(schema.defaults, name) && schema.defaults[name] === v)) attrs[name] = String(v);
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
