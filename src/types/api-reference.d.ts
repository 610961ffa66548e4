// The Workers build imports Scalar's standalone script as text (see [[rules]] in wrangler.toml).
declare module '@scalar/api-reference/dist/browser/standalone.js' {
  const script: string;
  export default script;
}
