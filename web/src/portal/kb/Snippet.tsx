// A search hit's snippet: the matched words highlighted. The API's `snippet_html` is parsed as
// inert markup (DOMParser runs no script and loads nothing) and only its text is put on the page.
import { useMemo } from "react";

export interface SnippetPart {
  text: string;
  hit: boolean;
}

export function snippetParts(html: string, fallback: string): SnippetPart[] {
  if (!html) return fallback ? [{ text: fallback, hit: false }] : [];
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const parts: SnippetPart[] = [];
  for (const node of Array.from(doc.body.childNodes)) {
    const text = node.textContent ?? "";
    if (!text) continue;
    const hit = node.nodeType === Node.ELEMENT_NODE && (node as Element).tagName === "B";
    parts.push({ text, hit });
  }
  return parts.length ? parts : [{ text: fallback, hit: false }];
}

export function Snippet({ html, text, className }: { html: string; text: string; className?: string }) {
  const parts = useMemo(() => snippetParts(html, text), [html, text]);
  return (
    <p className={className ?? "text-sm text-ink-muted"} data-testid="kb-snippet">
      {parts.map((part, index) =>
        part.hit ? (
          <mark key={index} className="rounded bg-highlight px-0.5 text-ink">
            {part.text}
          </mark>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </p>
  );
}
