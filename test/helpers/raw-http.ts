import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** One HTTP/1.1 response head as it came over the wire. */
export interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * A raw keep-alive HTTP/1.1 connection to a local server: what a proxy pooling its upstream
 * connections, or an attacker, does with a socket (several requests in a row, a body that trickles
 * or stops half-way). fetch and http.Agent hide exactly what these tests look at.
 */
export class RawConnection {
  private received = '';
  /** Resolves when the server (or we) closed the connection; `reset` when it ended with an error. */
  readonly closed: Promise<{ reset: boolean }>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    let reset = false;
    // A write racing the server's close may fail (EPIPE, ECONNRESET): that is an outcome, not a crash.
    socket.on('error', () => (reset = true));
    this.closed = once(socket, 'close').then(() => ({ reset }));
  }

  /** Opens a connection; with `opened`, records it there (a test's `afterEach` destroys them all, even after a failure). */
  static async open(origin: string, opened?: RawConnection[]): Promise<RawConnection> {
    const { hostname, port } = new URL(origin);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    const connection = new RawConnection(socket);
    opened?.push(connection);
    return connection;
  }

  /** Writes request bytes; resolves when the kernel took them (or the connection is gone). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** A request head with the usual headers (as behind a TLS proxy: X-Forwarded-Proto https) and `headers`. */
  static head(method: string, path: string, headers: Record<string, string | number> = {}): string {
    const lines = Object.entries({ host: 'localhost', 'x-forwarded-proto': 'https', accept: 'application/json', ...headers }).map(([k, v]) => `${k}: ${v}`);
    return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
  }

  /** Every complete response received so far, in order (bodies delimited by Content-Length). */
  responses(): RawResponse[] {
    const out: RawResponse[] = [];
    let at = 0;
    while (this.received.startsWith('HTTP/1.1 ', at)) {
      const end = this.received.indexOf('\r\n\r\n', at);
      if (end < 0) break;
      const [statusLine = '', ...lines] = this.received.slice(at, end).split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()] as const));
      const length = Number(headers.get('content-length') ?? 0);
      if (this.received.length < end + 4 + length) break;
      out.push({ status: Number(statusLine.split(' ')[1]), headers, body: this.received.slice(end + 4, end + 4 + length) });
      at = end + 4 + length;
    }
    return out;
  }

  /** Waits for the `n`th response head, or the close of the connection (the caller's timeout bounds it). */
  async response(n = 1): Promise<RawResponse | undefined> {
    let done = false;
    void this.closed.then(() => (done = true));
    while (this.responses().length < n && !done) await new Promise((resolve) => setTimeout(resolve, 10));
    return this.responses()[n - 1];
  }

  destroy(): void {
    this.socket.destroy();
  }
}
