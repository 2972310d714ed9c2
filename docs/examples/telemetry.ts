import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type Sampler, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Installs an OpenTelemetry SDK for the whole process (any SDK works: @opentelemetry/sdk-node,
 * a vendor's distribution). koa-mellon reports to whatever is installed; without an SDK it
 * records nothing. A `sampler` keeps a share of the traces (the SDK's default keeps all).
 * Returns the function that flushes and uninstalls it at shutdown.
 */
export function installTelemetry(spans: SpanExporter, metricExporter: PushMetricExporter, sampler?: Sampler): () => Promise<void> {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)], ...(sampler ? { sampler } : {}) });
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    trace.disable();
    metrics.disable();
  };
}
