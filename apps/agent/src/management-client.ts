import { ApiError, CancelablePromise, HeadroomClient } from '../../../clients/typescript/src';

export { ApiError, CancelablePromise, HeadroomClient };

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
 * the generated @headroom/client with its stock fetch transport. What the generated client lacks
 * lives here, not in the generated files: deadlines (`withDeadline`), and readable errors.
 */
export function createManagementClient(opts: ManagementClientOptions): HeadroomClient {
  return new HeadroomClient({
    // The client appends paths to BASE verbatim; a trailing slash would double up.
    BASE: opts.baseUrl.replace(/\/+$/, ''),
    TOKEN: async () => opts.credential?.() ?? '',
    HEADERS: { 'User-Agent': `headroom-agent/${opts.version}` },
  });
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
