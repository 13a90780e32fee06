/**
 * The local web page's own script, run against a real voxoz: no browser here, so the script
 * from localPage() runs in a VM context with the few browser parts it uses standing in —
 * a DOM of plain objects, fetch to voxoz (with the token the page's cookie would carry), an
 * EventSource over a streamed fetch, prompt() answered from a queue, alert() recorded. What a
 * user would see is read back from that DOM: each message's text and its buttons.
 */
import { runInNewContext } from 'node:vm';
import { localPage } from '../../adapters/local/local-page.ts';

class Element {
  className = '';
  value = '';
  /** As the DOM's CSSStyleDeclaration, for what the page sets (an image's maxWidth). */
  style: Record<string, string> = {};
  children: Element[] = [];
  onclick?: () => Promise<unknown> | unknown;
  onsubmit?: (e: { preventDefault(): void }) => Promise<unknown>;
  private own = '';
  constructor(readonly tag: string) {}
  get textContent(): string {
    return this.own + this.children.map((c) => c.textContent).join('');
  }
  /** As in the DOM: setting the text replaces the children. */
  set textContent(v: string) {
    this.own = v;
    this.children = [];
  }
  append(...c: Element[]) {
    this.children.push(...c);
  }
  prepend(c: Element) {
    this.children.unshift(c);
  }
}

/** One message as the page shows it. */
export interface PageMessage {
  text: string;
  buttons: Array<{ label: string; click: () => Promise<unknown> }>;
  /** The images it shows (a summary's chart), as the page set their `src`. */
  images: string[];
}

export function startLocalPage(baseUrl: string, token: string) {
  const script = /<script>([\s\S]*)<\/script>/.exec(localPage())?.[1];
  if (!script) throw new Error('the local page has no script');
  const byId: Record<string, Element> = {
    out: new Element('div'),
    f: new Element('form'),
    u: new Element('input'),
    t: new Element('input'),
  };
  const alerts: string[] = [];
  const prompts: string[] = [];
  const answers: Array<string | null> = [];
  const timers = new Set<NodeJS.Timeout>();
  const streams = new Set<AbortController>();
  let closed = false;
  const pageFetch = (path: string, init: RequestInit = {}) => {
    if (closed) return Promise.reject(new Error('page closed'));
    return fetch(new URL(path, baseUrl), { ...init, headers: { ...(init.headers as object), authorization: `Bearer ${token}` } });
  };
  class EventSource {
    private readonly listeners = new Map<string, Array<(e: { data: string }) => void>>();
    private readonly abort = new AbortController();
    constructor(path: string) {
      streams.add(this.abort);
      void this.run(path).finally(() => streams.delete(this.abort));
    }
    addEventListener(type: string, fn: (e: { data: string }) => void) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
    }
    close() {
      this.abort.abort();
    }
    private async run(path: string) {
      const res = await pageFetch(path, { signal: this.abort.signal }).catch(() => undefined);
      if (!res?.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
            const lines = buffer.slice(0, cut).split('\n');
            buffer = buffer.slice(cut + 2);
            const type = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
            const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
            // As a browser does: a frame with no data (a comment, a keepalive) dispatches nothing.
            if (data === undefined) continue;
            for (const fn of this.listeners.get(type) ?? []) if (!this.abort.signal.aborted) fn({ data });
          }
        }
      } catch {
        /* closed by the page, or by close() */
      }
    }
  }
  runInNewContext(script, {
    document: { getElementById: (id: string) => byId[id], createElement: (tag: string) => new Element(tag) },
    fetch: pageFetch,
    EventSource,
    alert: (text: string) => alerts.push(text),
    prompt: (text: string) => {
      prompts.push(text);
      if (answers.length === 0) throw new Error('the page asked with prompt() and the test gave no answer');
      return answers.shift();
    },
    setTimeout: (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) fn();
      }, ms);
      timers.add(t);
      return t;
    },
    JSON,
    Math,
    Array,
  });

  const messages = (): PageMessage[] =>
    byId.out!.children.flatMap((box) =>
      box.children.map((el) => ({
        text: el.children.find((c) => c.tag === 'pre')?.textContent ?? '',
        buttons: el.children.filter((c) => c.tag === 'button').map((b) => ({ label: b.textContent, click: async () => b.onclick?.() })),
        images: el.children.filter((c) => c.tag === 'img').map((i) => String((i as unknown as { src?: string }).src ?? '')),
      })),
    );
  return {
    alerts,
    prompts,
    messages,
    /** Types `text` as `user` and presses send. */
    async send(user: string, text: string) {
      byId.u!.value = user;
      byId.t!.value = text;
      await byId.f!.onsubmit!({ preventDefault: () => undefined });
    },
    /** Presses `label` on the message whose text matches, as `user`; `answer` is what prompt() returns (null: Cancel). */
    async press(match: RegExp, label: string, user: string, answer?: string | null) {
      const button = messages()
        .find((m) => match.test(m.text))
        ?.buttons.find((b) => b.label === label);
      if (!button) throw new Error(`the page shows no ${label} button on a message matching ${match}`);
      byId.u!.value = user;
      if (answer !== undefined) answers.push(answer);
      const before = alerts.length;
      await button.click();
      return alerts.slice(before).join('\n');
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const s of streams) s.abort();
    },
  };
}
