import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { CodecError } from './errors';
import { assertSafePlain } from './safe-plain';
import { decodeXml, encodeXml, prescanXml, XmlDocumentSchema } from './xml';

const doc: XmlDocumentSchema = {
  root: 'batch',
  schema: {
    attrs: { n: 'number', name: 'string', ok: 'boolean' },
    children: { items: { tag: 'item', array: true, schema: { attrs: { v: 'number' } } }, one: { tag: 'one', schema: { attrs: { s: 'string' } } } },
  },
};
const limits = { maxChars: 10_000, maxDepth: 4, maxElements: 50 };

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof CodecError ? err.kind : `other: ${String(err)}`;
  }
  return 'none';
}

describe('xml codec', () => {
  it('decodes attributes and children into the schema shape', () => {
    const out = decodeXml('<?xml version="1.0"?><batch n="3" name="a&amp;b&#233;&#x41;&foo;" ok="true"><item v="1"/><item v="-2.5e3"/><one s="x"/></batch>', doc, limits);
    // Only predefined entities and character references resolve; anything else stays verbatim.
    expect(out).toEqual({ n: 3, name: 'a&béA&foo;', ok: true, items: [{ v: 1 }, { v: -2500 }], one: { s: 'x' } });
  });

  it('leaves non-literal numbers as strings for the validator and an absent list empty', () => {
    expect(decodeXml('<batch n="0x10" ok="yes"/>', doc, limits)).toEqual({ n: '0x10', ok: 'yes', items: [] });
  });

  it('passes unknown attributes and elements through so validation can name them', () => {
    expect(decodeXml('<batch extra="1"><other/></batch>', doc, limits)).toEqual({ extra: '1', other: {}, items: [] });
  });

  it('keeps every repeated element, refuses a single one twice and an unknown element named like a list', () => {
    expect(decodeXml('<batch><item v="1"/><one s="x"/>\n<item v="2"/></batch>', doc, limits)).toEqual({ items: [{ v: 1 }, { v: 2 }], one: { s: 'x' } });
    expect(kindOf(() => decodeXml('<batch><one s="x"/><one s="y"/></batch>', doc, limits))).toBe('malformed');
    // Would otherwise replace the items before it (or be replaced by the ones after it) unseen.
    expect(kindOf(() => decodeXml('<batch><item v="1"/><items/><item v="2"/></batch>', doc, limits))).toBe('malformed');
    // A child element's property wins over an attribute of the same name.
    expect(decodeXml('<batch one="z"><one s="x"/></batch>', doc, limits)).toEqual({ one: { s: 'x' }, items: [] });
  });

  it('leaves out attributes equal to their default and puts them back when decoding', () => {
    const withDefaults: XmlDocumentSchema = { root: 'c', schema: { attrs: { a: 'number', b: 'number', on: 'boolean' }, defaults: { a: 0, on: true }, children: { h: { tag: 'h', schema: { attrs: { n: 'number' }, defaults: { n: 0 } } } } } };
    const xml = encodeXml({ a: 0, b: 0, on: true, h: { n: 0 } }, withDefaults);
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?><c b="0"><h/></c>');
    expect(decodeXml(xml, withDefaults, limits)).toEqual({ a: 0, b: 0, on: true, h: { n: 0 } });
    // The long form (an older agent) decodes to the same; a value other than the default is kept.
    expect(decodeXml('<c a="0" b="0" on="true"><h n="0"/></c>', withDefaults, limits)).toEqual({ a: 0, b: 0, on: true, h: { n: 0 } });
    expect(decodeXml('<c a="7" on="false"><h n="2"/></c>', withDefaults, limits)).toEqual({ a: 7, on: false, h: { n: 2 } });
  });

  it('round-trips what it encodes', () => {
    const value = { n: 1.5, name: 'quote " and <tag> & \'', ok: false, items: [{ v: 0 }, { v: 1e21 }], one: { s: 'é' } };
    expect(decodeXml(encodeXml(value, doc), doc, limits)).toEqual(value);
  });

  it.each([
    ['doctype', '<!DOCTYPE batch [<!ENTITY a "x">]><batch/>', 'forbidden'],
    ['external entity', '<!DOCTYPE batch SYSTEM "file:///etc/passwd"><batch/>', 'forbidden'],
    ['lower-case doctype', '<!doctype batch><batch/>', 'forbidden'],
    ['__proto__ tag', '<batch><__proto__ polluted="1"/></batch>', 'forbidden'],
    ['constructor tag', '<batch><constructor/></batch>', 'forbidden'],
    ['prototype attribute', '<batch prototype="1"/>', 'forbidden'],
    ['__proto__ attribute', '<batch><item __proto__="x" v="1"/></batch>', 'forbidden'],
    ['too deep', '<batch>' + '<a>'.repeat(10) + '</a>'.repeat(10) + '</batch>', 'too-deep'],
    ['too many', '<batch>' + '<item v="1"/>'.repeat(60) + '</batch>', 'too-many'],
    ['too long', '<batch>' + ' '.repeat(20_000) + '</batch>', 'too-large'],
    ['wrong root', '<other/>', 'malformed'],
    ['two roots', '<batch/><batch/>', 'malformed'],
    ['unclosed', '<batch><item v="1"></batch>', 'malformed'],
    ['repeated single', '<batch><one/><one/></batch>', 'malformed'],
    ['text content', '<batch>hello</batch>', 'malformed'],
    ['unterminated tag', '<batch n="1', 'malformed'],
    ['mismatched close', '<batch><one></item></batch>', 'malformed'],
    ['a close with no open', '</batch>', 'malformed'],
    ['an unquoted attribute', '<batch n=1/>', 'malformed'],
    ['a repeated attribute', '<batch n="1" n="2"/>', 'malformed'],
    ['an attribute without a value', '<batch ok/>', 'malformed'],
    ['text before the root', 'hello<batch/>', 'malformed'],
    ['text after the root', '<batch/>trailing', 'malformed'],
    ['a bad element name', '<batch><1item/></batch>', 'malformed'],
    ['no element at all', '<?xml version="1.0"?>', 'malformed'],
    ['a space inside the self-closing mark', '<batch/ >', 'malformed'],
  ])('refuses %s', (_name, xml, kind) => {
    expect(kindOf(() => decodeXml(xml, doc, limits))).toBe(kind);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts what well-formed XML allows around the root', () => {
    const xml = '\uFEFF<?xml version="1.0"?>\n<!-- c --><batch  n = "1" name=\'a>b\'\t><item v="2" /><one s="x&lt;y"/></batch>\n<!-- end -->\n';
    expect(decodeXml(xml, doc, limits)).toEqual({ n: 1, name: 'a>b', items: [{ v: 2 }], one: { s: 'x<y' } });
  });

  it('accepts only what fast-xml-parser\'s validator calls well-formed, over mutated documents', () => {
    const base = '<batch n="1" name=\'a>b\'><item v="2"/><one s="x y"></one><!-- c --></batch>';
    const edits = fc.array(fc.tuple(fc.nat(base.length), fc.nat(3), fc.constantFrom('<', '>', '/', '"', "'", '=', ' ', 'a', '!', '?', '-', '<a>', '</a>', 'x="1"')), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(edits, (list) => {
        let xml = base;
        for (const [at, del, ins] of list) xml = xml.slice(0, at) + ins + xml.slice(at + del);
        let scanned = true;
        try {
          prescanXml(xml, { maxChars: 10_000, maxDepth: 16, maxElements: 1_000 });
        } catch {
          scanned = false;
        }
        // The pre-scan may refuse more (any <! declaration), never less. ('&' is not in the
        // alphabet: references are the decoder's business, which resolves only the predefined.)
        if (scanned) expect(XMLValidator.validate(xml)).toBe(true);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('scans 10,000-deep nesting in linear time', () => {
    const xml = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
    const t = process.hrtime.bigint();
    expect(kindOf(() => prescanXml(xml, { maxChars: 1e6, maxDepth: 16, maxElements: 1e6 }))).toBe('too-deep');
    expect(Number(process.hrtime.bigint() - t) / 1e6).toBeLessThan(50);
  });

  it.each([
    ['__proto__ key', JSON.parse('{"a":{"__proto__":{"polluted":1}}}'), 'forbidden'],
    ['constructor key', { a: [{ constructor: { prototype: {} } }] }, 'forbidden'],
    ['deep', JSON.parse('['.repeat(100) + ']'.repeat(100)), 'too-deep'],
    ['many', { a: Array.from({ length: 100 }, () => ({})) }, 'too-many'],
    ['fine', { a: [{ b: 1 }] }, 'none'],
  ])('checks plain objects: %s', (_n, value, kind) => {
    expect(kindOf(() => assertSafePlain(value, limits))).toBe(kind);
  });
});
