// An OTLP/HTTP trace receiver for tests: the services' real exporters (OTLP JSON over HTTP) send
// their spans here, and the test reads them back as plain objects. What Jaeger or an OpenTelemetry
// Collector would receive, without either (neither is packaged for this machine).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value: AnyValue };

export type ReceivedSpan = {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  scope: string;
  start: number;
  end: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
  resource: Record<string, unknown>;
};

export type OtlpReceiver = { url: string; spans: ReceivedSpan[]; requests: number; close: () => Promise<void> };

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}
const attributes = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
// OTLP JSON writes trace and span ids as hex strings (the protobuf JSON mapping's exception).
const id = (raw: string | undefined) => (raw && raw.length > 0 ? raw : null);
const nanosToMs = (n: string | number | undefined) => Number(BigInt(n ?? 0) / 1_000_000n);

/** Decodes one ExportTraceServiceRequest in OTLP JSON. */
export function decodeTraces(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: OTLP JSON, checked field by field below
  for (const rs of (body as any)?.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service: String(resource["service.name"] ?? "?"),
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: id(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          scope: ss.scope?.name ?? "",
          start: nanosToMs(s.startTimeUnixNano),
          end: nanosToMs(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
          events: (s.events ?? []).map((e: { name: string; attributes?: KeyValue[] }) => ({
            name: e.name,
            attributes: attributes(e.attributes),
          })),
          links: (s.links ?? []).map((l: { traceId: string; spanId: string }) => ({ traceId: l.traceId, spanId: l.spanId })),
          resource,
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: OtlpReceiver = { url: "", spans: [], requests: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const type = req.headers["content-type"] ?? "";
      if (!type.includes("json")) {
        // The services export JSON (exporter-trace-otlp-http); anything else is a configuration mistake worth seeing.
        res.writeHead(415, { "content-type": "application/json" }).end(JSON.stringify({ message: "OTLP JSON only" }));
        return;
      }
      try {
        received.spans.push(...decodeTraces(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
        received.requests++;
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch (err) {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: (err as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  received.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  received.close = () => new Promise((resolve) => server.close(() => resolve()));
  return received;
}
