/**
 * The largest HTTP request body and the largest WebSocket message the
 * server reads, in bytes (Fastify's default body limit). A WebSocket frame
 * over it closes the connection (1009) before it is buffered.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;
