// A WebSocket to the gateway's /ws that reconnects on its own and hands each message to a callback.
import { useEffect, useLayoutEffect, useRef, useState } from "react";

import { webSocketUrl } from "../api/http";
import type { LiveMessage } from "../api/types";

export type LiveState = "connecting" | "live" | "offline";

const UNAUTHORIZED_CLOSE = 4401;
const MAX_BACKOFF_MS = 15_000;

export interface LiveFeedOptions {
  // "/ws?…"; null: stay disconnected.
  path: string | null;
  onMessage: (message: LiveMessage) => void;
  // Called after every (re)connect, so callers can re-read what they may have missed.
  onConnected?: () => void;
  // The server refused the credentials (close 4401); return a new path to retry with, or null.
  onUnauthorized?: () => Promise<string | null>;
}

export function useLiveFeed({ path, onMessage, onConnected, onUnauthorized }: LiveFeedOptions): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handlers = useRef({ onMessage, onConnected, onUnauthorized });
  useLayoutEffect(() => {
    handlers.current = { onMessage, onConnected, onUnauthorized };
  });

  useEffect(() => {
    if (!path) return;
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let timer: number | undefined;
    let currentPath = path;

    const connect = () => {
      setState("connecting");
      socket = new WebSocket(webSocketUrl(currentPath));
      socket.onopen = () => {
        attempt = 0;
        setState("live");
        handlers.current.onConnected?.();
      };
      socket.onmessage = (event: MessageEvent<string>) => {
        try {
          handlers.current.onMessage(JSON.parse(event.data) as LiveMessage);
        } catch {
          // not a message of ours; ignore
        }
      };
      socket.onclose = (event) => {
        if (stopped) return;
        setState("offline");
        if (event.code === UNAUTHORIZED_CLOSE && handlers.current.onUnauthorized) {
          void handlers.current.onUnauthorized().then((renewed) => {
            if (renewed && !stopped) {
              currentPath = renewed;
              schedule();
            }
          });
          return;
        }
        schedule();
      };
    };
    const schedule = () => {
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
      attempt += 1;
      timer = window.setTimeout(connect, delay);
    };

    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close();
    };
  }, [path]);

  return path ? state : "offline";
}
