package io.fulcrum.proxy.http;

/** Fired by {@link RequestTimer} through the client's pipeline. */
enum RequestTimeout
{
    /** A request began and its headers are not complete in time: answered 408, closed. */
    HEADERS,
    /** No request began in time: closed without an answer. */
    IDLE
}
