import { defineConfig } from '@hey-api/openapi-ts'

// `npm run gen:api` regenerates src/api/generated/ from ./openapi.json
// (written from the running server's /api/openapi.json). Do not edit the output by hand.
export default defineConfig({
  input: './openapi.json',
  output: {
    path: './src/api/generated',
  },
  plugins: [
    '@hey-api/typescript',
    '@hey-api/sdk',
    {
      name: '@hey-api/client-fetch',
      // same-origin relative URLs; credentials, CSRF and Accept-Language are set in src/api/client.ts
      baseUrl: false,
      throwOnError: true,
    },
  ],
})
