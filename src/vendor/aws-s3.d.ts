// Types of `#aws-s3` (package.json "imports"): at run time the name is dist/vendor/aws-s3.js,
// @aws-sdk/client-s3 bundled into one module by scripts/bundle-vendor.js; its API is the SDK's.
export * from '@aws-sdk/client-s3'
