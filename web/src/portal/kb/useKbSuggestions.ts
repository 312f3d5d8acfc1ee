// Articles for what a customer is typing: asked ~300 ms after the last keystroke, the previous
// question cancelled, at most 5 answers. Too little text asks nothing.
import { useEffect, useState } from "react";

import { suggestKb, type KbHit } from "../../api/publicApi";

export const SUGGEST_DEBOUNCE_MS = 300;
const MIN_CHARS = 3;
const MAX_SUGGESTIONS = 5;
const MAX_QUERY = 4000;

export function useKbSuggestions(text: string): KbHit[] {
  const [hits, setHits] = useState<KbHit[]>([]);
  const query = text.trim().slice(0, MAX_QUERY);
  const tooShort = query.length < MIN_CHARS;

  useEffect(() => {
    if (tooShort) return;
    const abort = new AbortController();
    const timer = window.setTimeout(() => {
      suggestKb(query, abort.signal)
        .then((answer) => setHits(answer.items.slice(0, MAX_SUGGESTIONS)))
        .catch(() => {
          // Suggestions are a help, not the form: a failure shows none and blocks nothing.
          if (!abort.signal.aborted) setHits([]);
        });
    }, SUGGEST_DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      abort.abort();
    };
  }, [query, tooShort]);

  return tooShort ? [] : hits;
}
