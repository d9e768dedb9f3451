// A real HTTP server on 127.0.0.1 standing in for a Slack/Discord webhook:
// records every request and answers with the scripted responses in order.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/** A status code to answer with, or "hang" to never answer. */
export type ScriptedResponse = number | "hang";

export interface WebhookServer {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhookServer(responses: ScriptedResponse[], fallback: ScriptedResponse = 200): Promise<WebhookServer> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      requests.push({ method: request.method ?? "", path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body });
      const scripted = responses[requests.length - 1] ?? fallback;
      if (scripted === "hang") return;
      response.writeHead(scripted, { "content-type": "text/plain" }).end(scripted < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // The path stands in for the secret token a real webhook URL carries.
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-token-xyz`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
