/**
 * The API client: the SDK generated from the server's OpenAPI (`npm run gen:api`, see
 * openapi-ts.config.ts) wired to Osteon's conventions. Domain `api.ts` files import from here.
 */
import { client } from './generated/client.gen'
import { ApiError, toApiError } from './errors'
import { decorateHeaders, notifyUnauthorized } from './http'

// Same origin: the SPA is served by the API server (and proxied by Vite in development).
const origin = typeof window !== 'undefined' && window.location ? window.location.origin : ''
client.setConfig({ baseUrl: origin, credentials: 'same-origin', throwOnError: true })

client.interceptors.request.use((request) => {
  decorateHeaders(request.method, request.headers)
  return request
})

// Every failure becomes an ApiError (problem+json kept); aborts stay DOMExceptions.
client.interceptors.error.use((error, response, request) => {
  if (!response) {
    if (error instanceof DOMException && error.name === 'AbortError') return error
    return new ApiError(0, { status: 0 })
  }
  notifyUnauthorized(response.status, request?.url ?? '')
  return toApiError(response.status, error)
})

/** Unwraps the `{ data, request, response }` result of a generated SDK call. */
export async function data<T>(call: Promise<{ data: T }>): Promise<T> {
  return (await call).data
}

export { client }
export * from './generated/sdk.gen'
export type * from './generated/types.gen'
