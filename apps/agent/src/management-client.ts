import { ApiError, CancelablePromise, HeadroomClient } from '../../../clients/typescript/src';
import type { ApiRequestOptions } from '../../../clients/typescript/src/core/ApiRequestOptions';
import { FetchHttpRequest } from '../../../clients/typescript/src/core/FetchHttpRequest';
import { catchErrorCodes, getFormData, getHeaders, getQueryString, getRequestBody, getResponseBody, sendRequest } from '../../../clients/typescript/src/core/request';

export { ApiError, CancelablePromise, HeadroomClient };

/** A response with what the generated services drop: its status and headers. */
export interface Exchange<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The generated fetch transport, plus exchange(): the same request (URL, bearer, headers, ApiError
 * for error statuses, cancel aborting the fetch) that also hands back the response's status and
 * headers. The config long poll needs X-Config-Version to nack a document it cannot decode; the
 * generated services resolve with the body alone. An extension, so the generated files stay as generated.
 */
export class AgentHttpRequest extends FetchHttpRequest {
  exchange<T>(options: ApiRequestOptions): CancelablePromise<Exchange<T>> {
    const config = this.config;
    return new CancelablePromise<Exchange<T>>(async (resolve, reject, onCancel) => {
      try {
        // core/request's getUrl is not exported; this is its path and query handling.
        const encode = config.ENCODE_PATH ?? encodeURI;
        const path = options.url.replace(/{(.*?)}/g, (whole: string, name: string) => (options.path && name in options.path ? encode(String(options.path[name])) : whole));
        const url = `${config.BASE}${path}${options.query ? getQueryString(options.query) : ''}`;
        const headers = await getHeaders(config, options);
        if (onCancel.isCancelled) return;
        const response = await sendRequest(config, options, url, getRequestBody(options), getFormData(options), headers, onCancel);
        const body = (await getResponseBody(response)) as T;
        catchErrorCodes(options, { url, ok: response.ok, status: response.status, statusText: response.statusText, body });
        resolve({ status: response.status, headers: response.headers, body });
      } catch (err) {
        reject(err);
      }
    });
  }
}

/** The agent's HeadroomClient: the generated services on AgentHttpRequest. */
export type ManagementClient = HeadroomClient & { readonly request: AgentHttpRequest };

export interface ManagementClientOptions {
  /** MANAGEMENT_URL. */
  baseUrl: string;
  /** The agent's software version, sent as `User-Agent: headroom-agent/<version>`. */
  version: string;
  /** The agent's credential once it has one; before enrolment the client sends no Authorization. */
  credential?: () => string | undefined;
}

/**
 * The agent's one client of the management API (enrolment, heartbeats, reports, configuration),
 * the generated @headroom/client on its fetch transport. What the generated client lacks lives
 * here, not in the generated files: response headers (`AgentHttpRequest.exchange`), deadlines
 * (`withDeadline`), and readable errors.
 */
export function createManagementClient(opts: ManagementClientOptions): ManagementClient {
  return new HeadroomClient(
    {
      // The client appends paths to BASE verbatim; a trailing slash would double up.
      BASE: opts.baseUrl.replace(/\/+$/, ''),
      TOKEN: async () => opts.credential?.() ?? '',
      HEADERS: { 'User-Agent': `headroom-agent/${opts.version}` },
    },
    AgentHttpRequest,
  ) as ManagementClient;
}

export class DeadlineError extends Error {}

/**
 * Settles like `call`, or rejects with a DeadlineError after `ms` and cancels the call (which aborts
 * its fetch). The generated client has no timeouts, and fetch's own are 300 s.
 */
export function withDeadline<T>(call: CancelablePromise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DeadlineError(`${what} got no answer within ${ms} ms`));
      call.cancel();
    }, ms);
    call.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** The problem's detail of an ApiError (problem+json), or its text body, shortened for a log line. */
export function problemDetail(err: ApiError): string | undefined {
  const body: unknown = err.body;
  if (body && typeof body === 'object' && typeof (body as { detail?: unknown }).detail === 'string') return (body as { detail: string }).detail;
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return undefined;
}

/** One line for a failed call: the status and detail of an API answer, or the network cause fetch hides in `cause`. */
export function describeFailure(err: unknown): string {
  if (err instanceof ApiError) {
    const detail = problemDetail(err);
    return `answered ${err.status}${detail ? `: ${detail}` : ''}`;
  }
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== err.message ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
