/** WebAssembly text modules, compiled at build time (scripts/wat-plugin.mjs): the binary, base64. */
declare module '*.wat' {
  const base64: string;
  export default base64;
}
