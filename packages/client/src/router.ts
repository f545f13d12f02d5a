// The server's router type. In the workspace it comes from the api's source; the published package
// carries it as bundled declarations (build.mjs), so an app needs none of the server's code or types.
export type { AppRouter } from '@digame/api/router';
