/**
 * Runs an async step every `intervalMs`, counted from the end of the previous one, so
 * two steps never overlap however long one takes. A step that throws is handed to
 * `onError` and the next one comes all the same.
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  private paused: Promise<void> | null = null;
  private active = false;

  constructor(
    private readonly intervalMs: number,
    private readonly step: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The first step comes one interval from now. */
  start(): void {
    this.active = true;
    this.schedule();
  }

  /** No step after this one; resolves when the step in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Resolves when the step in progress, if any, has ended. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Runs a step now (after the one in progress) instead of at its time. */
  async refresh(): Promise<void> {
    await this.running;
    if (this.timer === null) return this.running ?? undefined;
    clearTimeout(this.timer);
    return this.run();
  }

  /** Resolves when a step that begins after this call has ended. */
  afterNext(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * From the next step on, steps wait at their start until the returned `resume` is
   * called. Resolves once the step in progress has ended.
   */
  async pause(): Promise<() => void> {
    let resume!: () => void;
    this.paused = new Promise<void>((resolve) => (resume = resolve));
    await this.running;
    return () => {
      this.paused = null;
      resume();
    };
  }

  private schedule(): void {
    if (this.active) this.timer = setTimeout(() => void this.run(), this.intervalMs);
  }

  private run(): Promise<void> {
    this.timer = null;
    const waiters = this.waiters.splice(0);
    const running = (async () => {
      await this.paused;
      if (this.active) await this.step();
    })()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        for (const resolve of waiters) resolve();
        this.schedule();
      });
    this.running = running;
    return running;
  }
}
