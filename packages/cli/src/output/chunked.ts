/** Gathers many small writes into large ones: a matrix row by row would otherwise be millions of calls. */
export class Chunked {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly sink: (s: string) => void,
    private readonly limit = 1 << 20,
  ) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.sink(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
