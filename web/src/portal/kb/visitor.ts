// The knowledge base's memory in this browser: one random visitor id (the API keeps only its hash
// and counts one vote per visitor per article) and the votes this visitor gave.
const VISITOR_KEY = "dvika.kb.visitor";
const VOTE_PREFIX = "dvika.kb.vote:";

export type VoteChoice = "yes" | "no";

export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Storage may be blocked (private modes, policies): then the id lasts as long as the page.
let pageVisitor: string | null = null;

export function visitorId(): string {
  try {
    const saved = localStorage.getItem(VISITOR_KEY);
    if (saved && /^[0-9a-f]{32}$/.test(saved)) return saved;
    const fresh = randomId();
    localStorage.setItem(VISITOR_KEY, fresh);
    return fresh;
  } catch {
    pageVisitor ??= randomId();
    return pageVisitor;
  }
}

export function savedVote(slug: string): VoteChoice | null {
  try {
    const value = localStorage.getItem(VOTE_PREFIX + slug);
    return value === "yes" || value === "no" ? value : null;
  } catch {
    return null;
  }
}

export function saveVote(slug: string, choice: VoteChoice): void {
  try {
    localStorage.setItem(VOTE_PREFIX + slug, choice);
  } catch {
    // not remembered: a repeat vote is still counted once by the API
  }
}
