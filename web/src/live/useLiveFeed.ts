// A WebSocket to the gateway's /ws that reconnects on its own and hands each message to a callback;
// `send` writes to it while it is open (staff's presence signals).
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";

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

export interface LiveConnection {
  state: LiveState;
  // Sends a text frame; false when the socket is not open (the message is dropped, not queued).
  send: (text: string) => boolean;
}

export function useLiveFeed({
  path,
  onMessage,
  onConnected,
  onUnauthorized,
}: LiveFeedOptions): LiveConnection {
  const [state, setState] = useState<LiveState>("connecting");
  const openSocket = useRef<WebSocket | null>(null);
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
        openSocket.current = socket;
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
        if (openSocket.current === socket) openSocket.current = null;
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
      openSocket.current = null;
      socket?.close();
    };
  }, [path]);

  const send = useCallback((text: string) => {
    const socket = openSocket.current;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(text);
    return true;
  }, []);

  return { state: path ? state : "offline", send };
}
