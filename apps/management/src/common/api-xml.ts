import { ApiExtension } from '@nestjs/swagger';

/** The vendor extension ApiXml leaves on an operation; scripts/openapi.ts expands and removes it. */
export const XML_EXTENSION = 'x-headroom-xml';

export interface XmlDocOptions {
  /** The request body is also accepted as application/xml (default true when the operation has a body). */
  request?: boolean;
  /** 2xx responses are also served as application/xml, chosen by Accept (default true). */
  response?: boolean;
  /** Name of the XML root element, documented on the XML media types' schema. */
  root?: string;
}

/**
 * Documents an endpoint that negotiates XML next to JSON: every application/json body or
 * response gets an application/xml twin with the same schema, and every problem+json error a
 * problem+xml twin. Put it on a handler (or a controller) next to the usual @ApiBody /
 * @ApiOkResponse / @ApiProblems decorators:
 *
 *   @Post('reports') @ApiXml({ root: 'report' }) @ApiCreatedResponse({ type: ReportAckDto })
 */
export function ApiXml(options: XmlDocOptions = {}): MethodDecorator & ClassDecorator {
  return ApiExtension(XML_EXTENSION, { request: true, response: true, ...options }) as MethodDecorator & ClassDecorator;
}
