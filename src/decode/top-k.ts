/**
 * A small descending buffer of the k best candidates (score, row, token) of one sentence's beam step.
 * A candidate enters while fewer than k are held, or when it beats the last one strictly; so among equal
 * scores the one pushed first stays ahead. Pushed in (row, token) order, ties therefore go to the lower row,
 * then the lower token. Backend.rowTopK does the same per row of a matrix.
 */
export class TopK {
  readonly score: Float64Array;
  readonly row: Int32Array;
  readonly token: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.score = new Float64Array(k);
    this.row = new Int32Array(k);
    this.token = new Int32Array(k);
  }

  clear(): void {
    this.size = 0;
  }

  push(s: number, r: number, t: number): void {
    if (this.size === this.k && !(s > this.score[this.k - 1])) return;
    let i = this.size < this.k ? this.size++ : this.k - 1;
    while (i > 0 && s > this.score[i - 1]) {
      this.score[i] = this.score[i - 1];
      this.row[i] = this.row[i - 1];
      this.token[i] = this.token[i - 1];
      i--;
    }
    this.score[i] = s;
    this.row[i] = r;
    this.token[i] = t;
  }
}
