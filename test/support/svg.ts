/** Parses an SVG document (fast-xml-parser) into a flat list of its elements, to check what a plot drew. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface SvgElement { tag: string; attrs: Record<string, string>; text: string }

type Node = Record<string, unknown>;

export function parseSvg(svg: string): SvgElement[] {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, processEntities: true }).parse(svg) as Node[];
  const out: SvgElement[] = [];
  const walk = (nodes: Node[]): void => {
    for (const n of nodes) {
      const tag = Object.keys(n).find((k) => k !== ':@');
      if (tag === undefined || tag === '#text') continue;
      const children = n[tag] as Node[];
      const text = children.filter((c) => '#text' in c).map((c) => String(c['#text'])).join('');
      out.push({ tag, attrs: (n[':@'] as Record<string, string> | undefined) ?? {}, text });
      walk(children);
    }
  };
  walk(tree);
  if (out[0]?.tag !== 'svg') throw new Error('the root element is not <svg>');
  return out;
}

/**
 * The drawn items Vega describes as `role` ("line mark", "point", "bar", "text"…): each carries an
 * aria-label naming its datum's fields, e.g. "time (UTC): 14:30; price: 100.005; series: mid".
 */
export function items(svg: string, role: string): SvgElement[] {
  return parseSvg(svg).filter((e) => e.attrs['aria-roledescription'] === role && e.tag !== 'g');
}
