/** True when the Accept header lists an XML type before any JSON type (XML endpoints answer JSON otherwise). */
export function prefersXml(accept: string | undefined): boolean {
  const a = accept ?? '';
  const xml = a.search(/application\/xml|text\/xml/);
  const json = a.search(/application\/json/);
  return xml >= 0 && (json < 0 || xml < json);
}
