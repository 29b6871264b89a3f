// snappyjs ships no types; the two functions the bench's reader uses (hack/bench/snappy.ts).
declare module 'snappyjs' {
  const snappy: {
    compress(input: Buffer): Buffer;
    uncompress(input: Buffer): Buffer;
  };
  export default snappy;
}
