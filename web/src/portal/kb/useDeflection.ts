// Deflection on the submit form: a customer who opened a suggested article and then left without
// submitting. Opened articles are reported when the page goes away (pagehide, the tab hidden, or
// an in-app navigation that unmounts the form), with fetch keepalive so the request outlives the
// page. A submit reports `submitted: true` for the same session, so the knowledge service never
// counts that session as deflected, even if it heard of the opened article earlier.
import { useCallback, useEffect, useRef } from "react";

import { sendKbDeflection } from "../../api/publicApi";
import { randomId } from "./visitor";

export interface DeflectionTracker {
  // The customer opened this suggested article.
  opened: (slug: string) => void;
  // The customer submitted the form: this session is not a deflection.
  submitted: () => void;
  // The form was sent and cleared: what happens next is a new session.
  restart: () => void;
}

export function useDeflection(): DeflectionTracker {
  const session = useRef({
    id: randomId(),
    pending: new Set<string>(),
    opened: new Set<string>(),
    done: false,
  });

  const flush = useCallback(() => {
    const current = session.current;
    if (current.done) return;
    for (const slug of current.pending) sendKbDeflection({ session_id: current.id, article: slug });
    current.pending.clear();
  }, []);

  useEffect(() => {
    const onHidden = () => {
      if (document.visibilityState === "hidden") flush();
    };
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", onHidden);
    return () => {
      window.removeEventListener("pagehide", flush);
      document.removeEventListener("visibilitychange", onHidden);
      flush(); // leaving the form inside the app
    };
  }, [flush]);

  const opened = useCallback((slug: string) => {
    const current = session.current;
    if (current.done) return;
    current.opened.add(slug);
    current.pending.add(slug);
  }, []);

  const submitted = useCallback(() => {
    const current = session.current;
    if (current.done) return;
    current.done = true;
    current.pending.clear();
    // Only a session that opened an article matters to the rate (submitted after opening).
    const first = current.opened.values().next();
    if (!first.done) sendKbDeflection({ session_id: current.id, article: first.value, submitted: true });
  }, []);

  const restart = useCallback(() => {
    session.current = { id: randomId(), pending: new Set(), opened: new Set(), done: false };
  }, []);

  return { opened, submitted, restart };
}
