/**
 * Plots as SVG without a browser: a Vega-Lite specification compiled to Vega
 * and rendered by Vega's headless view (renderer 'none', then toSVG()). Data
 * is always inline, so nothing is loaded from anywhere.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec };

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Shared look: white background, a readable default size. */
export const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: 'sans-serif', view: { stroke: '#ddd' } },
} as const;
