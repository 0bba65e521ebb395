/**
 * `@keyway/otel`: OpenTelemetry traces and metrics for Keyway clients.
 *
 * @since 0.1.0
 */
export * as Otel from "./Otel.ts"
