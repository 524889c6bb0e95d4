package io.fulcrum.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request {@link RequestValidator} will not forward, in its place in the client's stream of messages, so that it
 * is answered in order after the requests before it.
 *
 * @param status what to answer; the connection closes after it
 * @param reason why, for the debug log
 */
record RefusedRequest(HttpResponseStatus status, String reason)
{
}
