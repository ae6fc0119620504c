import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/**
 * The Kubernetes client configuration, built once in main.ts and passed in: the pod's service
 * account inside a cluster, KUBECONFIG (or ~/.kube/config) outside.
 */
export function createKubeConfig(env: Record<string, string | undefined>): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  const cluster = kubeConfig.getCurrentCluster();
  // Without any kubeconfig client-node falls back to http://localhost:8080, which is the
  // orchestrator's port in the embedded stack: refuse rather than talk to the wrong server.
  if (!cluster || (cluster.name === "cluster" && cluster.server === "http://localhost:8080" && !env.KUBECONFIG)) {
    throw new Error("AGENT_BACKEND=kubernetes but no cluster is configured: run in a pod, or set KUBECONFIG (or use AGENT_BACKEND=local)");
  }
  return kubeConfig;
}

/** AGENT_NAMESPACE, else the pod's own namespace, else the kubeconfig context's, else "default". */
export function agentNamespace(configured: string | undefined, kubeConfig: KubeConfig): string {
  if (configured) return configured;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim();
  } catch {
    const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
    return context?.namespace ?? "default";
  }
}
