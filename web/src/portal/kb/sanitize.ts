// Defence in depth for an article's HTML. The knowledge service already renders Markdown with raw
// HTML off and cleans the result with an allow-list (nh3); this applies the same allow-list again
// in the browser, so a fault on the way can still never put a script, an event handler or a
// `javascript:` URL into the page.
const TAGS = new Set([
  "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
  "i", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
]); // prettier-ignore
const ATTRIBUTES: Record<string, Set<string>> = {
  a: new Set(["href", "title", "rel"]),
  img: new Set(["src", "alt", "title"]),
  th: new Set(["align"]),
  td: new Set(["align"]),
};
// Dropped with everything inside them; any other unknown element keeps its text.
const DROP_WHOLE = new Set([
  "script",
  "style",
  "iframe",
  "object",
  "embed",
  "template",
  "noscript",
  "svg",
  "math",
]);
// http, https, mailto, or a relative URL (no scheme: no colon before the first / ? or #).
const SAFE_URL = /^(https?:|mailto:|[^:/?#]*(?:[/?#]|$))/i;

function safeUrl(value: string): boolean {
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:"): strip them first.
  // eslint-disable-next-line no-control-regex
  const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  return SAFE_URL.test(compact);
}

function clean(node: Node, doc: Document): Node | null {
  if (node.nodeType === Node.TEXT_NODE) return doc.createTextNode(node.textContent ?? "");
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const element = node as Element;
  const tag = element.tagName.toLowerCase();
  if (DROP_WHOLE.has(tag)) return null;
  const children = Array.from(element.childNodes)
    .map((child) => clean(child, doc))
    .filter((child): child is Node => child !== null);
  if (!TAGS.has(tag)) {
    const fragment = doc.createDocumentFragment();
    fragment.append(...children);
    return fragment;
  }
  const out = doc.createElement(tag);
  const allowed = ATTRIBUTES[tag];
  for (const attribute of Array.from(element.attributes)) {
    const name = attribute.name.toLowerCase();
    if (!allowed?.has(name)) continue;
    if ((name === "href" || name === "src") && !safeUrl(attribute.value)) continue;
    out.setAttribute(name, attribute.value);
  }
  if (tag === "a") out.setAttribute("rel", "noopener noreferrer nofollow");
  out.append(...children);
  return out;
}

export function sanitizeArticleHtml(html: string): string {
  // A document of its own: nothing in it runs or loads while it is examined.
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const target = document.implementation.createHTMLDocument("");
  const container = target.createElement("div");
  for (const child of Array.from(parsed.body.childNodes)) {
    const cleaned = clean(child, target);
    if (cleaned) container.append(cleaned);
  }
  return container.innerHTML;
}
