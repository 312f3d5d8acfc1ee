// Help articles suggested while a visitor types the chat's first message: asked ~300 ms after the
// last keystroke (the previous question cancelled), at most 5, each a link that opens the portal's
// article page in a new tab, with its snippet as text. Opening one is told to the knowledge base
// at once (a deflection unless a chat is then started, which is told too).
import type { WidgetStrings } from "./strings";

interface Hit {
  slug: string;
  title: string;
  snippet: string;
}

const DEBOUNCE_MS = 300;
const MIN_CHARS = 3;
const MAX_HITS = 5;

function sessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class ArticleSuggestions {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly base: string;
  private readonly newTab: string;
  private readonly session = sessionId();
  private readonly opened = new Set<string>();
  private timer: number | undefined;
  private abort: AbortController | null = null;
  private done = false;

  constructor(base: string, t: WidgetStrings) {
    this.base = base;
    const heading = document.createElement("p");
    heading.className = "suggest-title";
    heading.textContent = t.suggestions;
    this.list = document.createElement("ul");
    this.list.setAttribute("aria-label", t.suggestions);
    this.element = document.createElement("div");
    this.element.className = "suggest";
    this.element.setAttribute("aria-live", "polite");
    this.element.dataset.testid = "widget-suggestions";
    this.element.hidden = true;
    this.element.append(heading, this.list);
    this.newTab = t.newTab;
  }

  typed(text: string): void {
    window.clearTimeout(this.timer);
    this.abort?.abort();
    const query = text.trim().slice(0, 4000);
    if (query.length < MIN_CHARS) {
      this.show([]);
      return;
    }
    this.timer = window.setTimeout(() => void this.ask(query), DEBOUNCE_MS);
  }

  private async ask(query: string): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    try {
      // A simple GET (no custom headers): no CORS preflight from the host site.
      const response = await fetch(
        `${this.base}/api/v1/kb/articles/suggest?limit=${MAX_HITS}&q=${encodeURIComponent(query)}`,
        { signal: abort.signal },
      );
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { items?: Hit[] };
      if (!abort.signal.aborted) this.show((body.items ?? []).slice(0, MAX_HITS));
    } catch {
      if (!abort.signal.aborted) this.show([]); // suggestions help; they never block the chat
    }
  }

  private show(hits: Hit[]): void {
    const items = hits.map((hit) => {
      const link = document.createElement("a");
      link.href = `${this.base}/support/kb/${encodeURIComponent(hit.slug)}`;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = hit.title;
      const hint = document.createElement("span");
      hint.className = "sr-only";
      hint.textContent = ` ${this.newTab}`;
      link.append(hint);
      link.addEventListener("click", () => this.openedArticle(hit.slug));
      link.addEventListener("auxclick", () => this.openedArticle(hit.slug));
      const snippet = document.createElement("span");
      snippet.className = "snippet";
      snippet.textContent = hit.snippet; // text, never HTML
      const item = document.createElement("li");
      item.append(link, snippet);
      return item;
    });
    this.list.replaceChildren(...items);
    this.element.hidden = items.length === 0;
  }

  private openedArticle(slug: string): void {
    if (this.done || this.opened.has(slug)) return;
    this.opened.add(slug);
    this.report({ session_id: this.session, article: slug });
  }

  // The chat was started: this session is not a deflection.
  submitted(): void {
    if (this.done) return;
    this.done = true;
    const first = this.opened.values().next();
    if (!first.done) this.report({ session_id: this.session, article: first.value, submitted: true });
  }

  private report(body: { session_id: string; article: string; submitted?: boolean }): void {
    void fetch(`${this.base}/api/v1/kb/deflections`, {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => undefined);
  }
}
