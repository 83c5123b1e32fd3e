declare module 'espeak-ng' {
  /** Emscripten factory: runs espeak-ng's CLI with `arguments`; resolves to the module (with `FS`). */
  export default function ESpeakNg(options: {
    arguments: string[];
    print?: (line: string) => void;
    printErr?: (line: string) => void;
  }): Promise<unknown>;
}
