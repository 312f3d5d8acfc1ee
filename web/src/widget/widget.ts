// The Dvika Care chat widget: one <script src=".../widget.js" data-dvika-url="..."> on any site adds a
// chat bubble. Starting a chat submits a ticket (channel "chat"); the thread is read and answered with
// the ticket's tracking token, and agents' replies arrive over the gateway's WebSocket. Everything
// lives in a Shadow DOM, and every message is put on the page as text, never as HTML.
import { widgetStrings } from "./strings";
import { WIDGET_CSS } from "./styles";
import { ArticleSuggestions } from "./suggestions";

interface ThreadMessage {
  id: string;
  from: "customer" | "agent";
  message: string;
}

interface PublicTicket {
  id: string;
  version?: number;
  thread: ThreadMessage[];
}

interface Session {
  id: string;
  token: string;
}

interface LiveMessage {
  type?: string;
  ticket?: PublicTicket;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_BACKOFF_MS = 15_000;
const UNAUTHORIZED_CLOSE = 4401;

function randomKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  attrs: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

class ChatWidget {
  private readonly base: string;
  private readonly storageKey: string;
  private readonly t = widgetStrings(navigator.language);
  private readonly root: ShadowRoot;
  private readonly bubble: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly body: HTMLElement;
  private readonly state: HTMLElement;
  private readonly composer: HTMLFormElement;
  private session: Session | null;
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: number | undefined;
  private shownVersion = 0;
  // A version of the ticket known to exist (from the API's answers); 0: only what localStorage says.
  private knownVersion = 0;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, "");
    this.storageKey = `dvika-chat:${this.base}`;
    this.session = this.loadSession();

    const host = el("div", {}, { "data-dvika-widget": "" });
    document.body.append(host);
    this.root = host.attachShadow({ mode: "open" });
    this.root.append(el("style", { textContent: WIDGET_CSS }));

    this.bubble = el(
      "button",
      { type: "button", className: "bubble" },
      { "aria-label": this.t.open, "aria-expanded": "false", "aria-controls": "dvika-chat-panel" },
    );
    this.bubble.innerHTML =
      '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">' +
      '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
    this.bubble.addEventListener("click", () => (this.panel.hidden ? this.open() : this.close()));

    this.state = el("span", { className: "state" }, { "aria-live": "polite" });
    const closeButton = el("button", { type: "button", textContent: "×" }, { "aria-label": this.t.close });
    closeButton.addEventListener("click", () => this.close());
    const newChat = el("button", { type: "button", className: "link", textContent: this.t.newChat });
    newChat.addEventListener("click", () => this.reset());
    this.body = el("div", { className: "body" }, { role: "log", "aria-live": "polite" });
    this.composer = this.buildComposer();
    this.panel = el(
      "section",
      { hidden: true, className: "panel", id: "dvika-chat-panel" },
      { role: "dialog", "aria-label": this.t.title },
      [
        el("header", {}, {}, [el("h2", { textContent: this.t.title }), this.state, newChat, closeButton]),
        this.body,
        this.composer,
      ],
    );
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    this.root.append(this.panel, this.bubble);
    this.render();
  }

  private loadSession(): Session | null {
    try {
      const saved = JSON.parse(localStorage.getItem(this.storageKey) ?? "null") as Session | null;
      return saved && typeof saved.id === "string" && typeof saved.token === "string" ? saved : null;
    } catch {
      return null;
    }
  }

  private saveSession(session: Session | null): void {
    this.session = session;
    try {
      if (session) localStorage.setItem(this.storageKey, JSON.stringify(session));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // storage blocked: the chat lasts as long as the page
    }
  }

  private open(): void {
    this.panel.hidden = false;
    this.bubble.setAttribute("aria-expanded", "true");
    if (this.session) this.connect();
    const first = this.panel.querySelector<HTMLElement>(".body input, .composer textarea");
    first?.focus();
  }

  private close(): void {
    this.panel.hidden = true;
    this.bubble.setAttribute("aria-expanded", "false");
    this.bubble.focus();
  }

  private reset(): void {
    this.disconnect();
    this.saveSession(null);
    this.shownVersion = 0;
    this.knownVersion = 0;
    this.render();
  }

  private render(): void {
    this.body.replaceChildren();
    this.composer.hidden = !this.session;
    this.state.textContent = "";
    if (this.session) {
      void this.refresh();
      if (!this.panel.hidden) this.connect();
    } else {
      this.body.append(this.buildStartForm());
    }
  }

  private field(label: string, input: HTMLInputElement | HTMLTextAreaElement): HTMLLabelElement {
    return el("label", {}, {}, [label, input]);
  }

  private buildStartForm(): HTMLFormElement {
    const name = el("input", { name: "name", autocomplete: "name", maxLength: 120 });
    const email = el("input", { name: "email", type: "email", autocomplete: "email", maxLength: 254 });
    const message = el("textarea", { name: "message", maxLength: 20_000 });
    const error = el("p", { className: "error" }, { role: "alert" });
    const submit = el("button", { type: "submit", className: "primary", textContent: this.t.start });
    // Help articles for what is being typed, before anyone has to wait for an agent.
    const articles = new ArticleSuggestions(this.base, this.t);
    message.addEventListener("input", () => articles.typed(message.value));
    const form = el("form", { noValidate: true }, {}, [
      el("p", { className: "muted", textContent: this.t.intro }),
      this.field(this.t.name, name),
      this.field(this.t.email, email),
      this.field(this.t.message, message),
      articles.element,
      error,
      submit,
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const problem = !name.value.trim()
        ? [name, this.t.nameRequired]
        : !EMAIL.test(email.value.trim())
          ? [email, this.t.emailInvalid]
          : !message.value.trim()
            ? [message, this.t.messageRequired]
            : null;
      for (const input of [name, email, message]) input.removeAttribute("aria-invalid");
      if (problem) {
        const [input, text] = problem as [HTMLElement, string];
        input.setAttribute("aria-invalid", "true");
        error.textContent = text;
        input.focus();
        return;
      }
      error.textContent = "";
      submit.disabled = true;
      articles.submitted();
      void this.start(name.value.trim(), email.value.trim(), message.value.trim())
        .catch(() => {
          error.textContent = this.t.failed;
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  private buildComposer(): HTMLFormElement {
    const input = el(
      "textarea",
      { name: "reply", maxLength: 20_000 },
      { "aria-label": this.t.reply, placeholder: this.t.reply },
    );
    const send = el("button", { type: "submit", className: "primary", textContent: this.t.send });
    const form = el("form", { className: "composer", hidden: true }, {}, [input, send]);
    const submit = () => {
      const text = input.value.trim();
      if (!text || !this.session) return;
      send.disabled = true;
      void this.sendReply(text)
        .then(() => {
          input.value = "";
        })
        .catch(() => {
          this.state.textContent = this.t.failed;
        })
        .finally(() => {
          send.disabled = false;
          input.focus();
        });
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        submit();
      }
    });
    return form;
  }

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", ...(init.headers ?? {}) },
    });
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    return (await response.json()) as T;
  }

  private async start(name: string, email: string, message: string): Promise<void> {
    const subject = message.split("\n")[0]!.slice(0, 80) || message.slice(0, 80);
    const created = await this.request<{ id: string; tracking_token: string; version: number }>(
      "/api/v1/tickets",
      {
        method: "POST",
        headers: { "Idempotency-Key": randomKey() },
        body: JSON.stringify({ customer: { name, email }, subject, message, channel: "chat" }),
      },
    );
    this.saveSession({ id: created.id, token: created.tracking_token });
    this.shownVersion = 0;
    this.knownVersion = created.version;
    this.render();
    this.composer.querySelector("textarea")?.focus();
  }

  private async sendReply(message: string): Promise<void> {
    const session = this.session!;
    const reply = await this.request<{
      version: number;
      follow_up: { id: string; tracking_token: string } | null;
    }>(`/api/v1/tickets/${encodeURIComponent(session.id)}/reply?token=${encodeURIComponent(session.token)}`, {
      method: "POST",
      body: JSON.stringify({ from: "customer", message }),
    });
    if (reply.follow_up) {
      // The chat's ticket was closed: the message opened a follow-up, and the chat moves there.
      this.disconnect();
      this.saveSession({ id: reply.follow_up.id, token: reply.follow_up.tracking_token });
      this.shownVersion = 0;
      this.knownVersion = 1;
      this.render();
      return;
    }
    this.knownVersion = Math.max(this.knownVersion, reply.version);
    await this.refresh();
  }

  // Reads the thread, waiting (min_version) for the read model to hold what we know was written.
  private async refresh(): Promise<void> {
    const session = this.session;
    if (!session) return;
    const minVersion = this.knownVersion;
    const query = `token=${encodeURIComponent(session.token)}${minVersion ? `&min_version=${minVersion}` : ""}`;
    try {
      const ticket = await this.request<PublicTicket>(
        `/api/v1/tickets/${encodeURIComponent(session.id)}?${query}`,
      );
      if (this.session === session) this.showThread(ticket);
    } catch (error) {
      // 404 for a chat only remembered (never confirmed by the API): not valid here; start over
      const gone = (error as { status?: number }).status === 404 && this.knownVersion === 0;
      if (gone && this.session === session) this.reset();
    }
  }

  private showThread(ticket: PublicTicket): void {
    const version = ticket.version ?? 0;
    if (version && version < this.shownVersion) return; // an older read arriving late
    this.shownVersion = version;
    this.knownVersion = Math.max(this.knownVersion, version);
    const items = ticket.thread.map((m) =>
      el(
        "div",
        { className: `msg ${m.from === "agent" ? "agent" : "customer"}` },
        { "data-message-id": m.id },
        [
          el("span", { className: "who", textContent: m.from === "agent" ? this.t.agent : this.t.you }),
          el("span", { className: "text", textContent: m.message }),
        ],
      ),
    );
    this.body.replaceChildren(...items);
    this.body.scrollTop = this.body.scrollHeight;
  }

  private connect(): void {
    if (this.socket || !this.session) return;
    const session = this.session;
    const url = new URL("/ws", this.base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = `ticket=${encodeURIComponent(session.id)}&token=${encodeURIComponent(session.token)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.state.textContent = this.t.offline;
    socket.onopen = () => {
      this.attempt = 0;
      this.state.textContent = this.t.live;
      void this.refresh(); // whatever arrived while we were away
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(event.data) as LiveMessage;
      } catch {
        return;
      }
      if (message.ticket && Array.isArray(message.ticket.thread) && message.ticket.id === this.session?.id) {
        this.showThread(message.ticket);
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return; // closed on purpose
      this.socket = null;
      this.state.textContent = this.t.offline;
      if (event.code === UNAUTHORIZED_CLOSE) return;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt);
      this.attempt += 1;
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }

  private disconnect(): void {
    window.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }
}

function boot(): void {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>("script[data-dvika-url], script[src*='widget.js']");
  const base =
    script?.dataset.dvikaUrl || (script?.src ? new URL(script.src).origin : window.location.origin);
  const start = () => new ChatWidget(base);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
}

boot();
