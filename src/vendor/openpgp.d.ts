// Types of `#openpgp` (package.json "imports"): at run time the name is dist/vendor/openpgp.js,
// openpgp's CommonJS build run with V8's code cache (scripts/bundle-vendor.js); its API is openpgp's.
export * from 'openpgp'
