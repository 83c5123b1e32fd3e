/** Splits text into small streaming pieces: words with their leading space, long words cut to 6 characters. */
export function splitForStreaming(text: string): string[] {
  const pieces: string[] = [];
  for (const word of text.match(/\s*\S+/g) ?? []) {
    for (let i = 0; i < word.length; i += 6) pieces.push(word.slice(i, i + 6));
  }
  return pieces.length ? pieces : [text];
}

/** Rough token count (4 characters a token), as a stand-in for a tokenizer. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
