import { metrics, trace, type Attributes } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** One metric data point as the in-memory exporter saw it. */
export interface MetricPoint {
  readonly attributes: Attributes;
  /** A counter's sum, or a histogram's count of recordings. */
  readonly value: number;
}

/** An OpenTelemetry SDK installed globally, as an app does, exporting to memory. */
export interface InMemoryTelemetry {
  spans(): ReadableSpan[];
  /** The points of one metric of the `koa-mellon` meter (cumulative), after a collection. */
  points(name: string): Promise<MetricPoint[]>;
  /** The metric's unit, as declared. */
  unit(name: string): Promise<string | undefined>;
  /** Uninstalls the SDK (the API falls back to its no-ops). */
  close(): Promise<void>;
}

export function installInMemoryTelemetry(): InMemoryTelemetry {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Collected on demand (forceFlush); the interval only has to be longer than any test.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  const collect = async () => {
    await reader.forceFlush();
    const last = metricExporter.getMetrics().at(-1);
    return last?.scopeMetrics.filter((s) => s.scope.name === 'koa-mellon').flatMap((s) => s.metrics) ?? [];
  };
  return {
    spans: () => spanExporter.getFinishedSpans(),
    async points(name) {
      const metric = (await collect()).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []).map((p: DataPoint<unknown>) => ({ attributes: p.attributes, value: typeof p.value === 'number' ? p.value : (p.value as { count: number }).count }));
    },
    async unit(name) {
      return (await collect()).find((m) => m.descriptor.name === name)?.descriptor.unit;
    },
    async close() {
      trace.disable();
      metrics.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
