/**
 * `feed.css`: the stylesheet rss.xml and atom.xml name in their `xml-stylesheet` instruction, so
 * that a browser shows them like the site's pages. It starts from the pages' own styles (the same
 * colours, fonts and classes), hides the feed's elements, which are for readers, and shows the
 * XHTML view the renderers put in the channel (src/feed/browser-view.ts).
 *
 * Its bytes are published as one object; an edit here must raise SITE_RENDER_VERSION
 * (src/publish/plan.ts), or a run that changes nothing else would not write it.
 */
import { ABOUT_CLASS, VIEW_CLASS, XHTML_NAMESPACE } from '../feed/browser-view.js';
import { BODY_STYLE, STYLE } from './layout.js';

/**
 * `@namespace` must come before every rule. Only a prefix is declared: selectors without one,
 * as in the pages' styles, match elements of any namespace.
 */
export const FEED_STYLESHEET = `@namespace h url(${XHTML_NAMESPACE});
${STYLE}
:root{display:block;${BODY_STYLE}}
:root>*,channel>*{display:none}
:root>channel,h|div.${VIEW_CLASS}{display:block}
.${ABOUT_CLASS}{margin:0 0 1.5rem;padding:.25rem 1rem;border:1px solid var(--rule);border-radius:.5rem}
.${ABOUT_CLASS} code{display:block;padding:.5rem .75rem;border-radius:.25rem;background:var(--rule);font:.95rem/1.4 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;overflow-wrap:anywhere;-webkit-user-select:all;user-select:all}
`;
