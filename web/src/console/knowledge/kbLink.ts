// Knowledge base links as an agent writes them into a reply: Markdown to the public article page.

// The article's public page on this site (the portal serves it at /support/kb/<slug>).
export function articleUrl(slug: string, origin: string = window.location.origin): string {
  return `${origin}/support/kb/${encodeURIComponent(slug)}`;
}

// `[title](url)`, with the characters that would end the link text or the address escaped.
export function markdownLink(title: string, url: string): string {
  const text = title
    .replace(/[\\[\]]/g, (c) => `\\${c}`)
    .replace(/\s+/g, " ")
    .trim();
  const address = url.replace(/[()\s]/g, (c) => encodeURIComponent(c));
  return `[${text}](${address})`;
}

export interface Insertion {
  text: string;
  // Where the cursor goes: just after what was inserted.
  cursor: number;
}

// Puts `snippet` in place of the selection [start, end), with a space either side when it would
// otherwise run into a word.
export function insertAt(text: string, start: number, end: number, snippet: string): Insertion {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  const before = text.slice(0, from);
  const after = text.slice(to);
  const lead = before && !/\s$/.test(before) ? " " : "";
  const trail = after && !/^\s/.test(after) ? " " : "";
  const inserted = `${lead}${snippet}${trail}`;
  return { text: `${before}${inserted}${after}`, cursor: before.length + lead.length + snippet.length };
}

// Slugs of knowledge base articles linked in a text (…/support/kb/<slug>).
export function linkedSlugs(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/\/support\/kb\/([a-z0-9]+(?:-[a-z0-9]+)*)/g))
    if (match[1]) found.add(match[1]);
  return [...found];
}

// Ctrl+Shift+K (⌘⇧K on a Mac) opens the picker.
export function isKbLinkShortcut(event: KeyboardEvent): boolean {
  return (
    (event.ctrlKey || event.metaKey) && event.shiftKey && !event.altKey && event.key.toLowerCase() === "k"
  );
}
