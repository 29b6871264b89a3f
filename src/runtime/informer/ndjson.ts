// A watch body is one JSON document per line, and a line may arrive split over several chunks.

export class LineSplitter {
  private pending = '';

  /** The complete lines that `chunk` finishes; the unfinished rest waits for the next chunk. */
  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    return parts.filter((line) => line.trim() !== '');
  }
}
